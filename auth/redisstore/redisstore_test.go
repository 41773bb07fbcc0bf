package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestMain silences go-redis's own logger, which prints every failed dial
// of the outage tests to stderr.
func TestMain(m *testing.M) {
	redis.SetLogger(quietLogger{})
	os.Exit(m.Run())
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// newClient returns a client for addr built the way the gateway builds it,
// closed when t ends.
func newClient(t testing.TB, addr string, opTimeout time.Duration) redis.UniversalClient {
	t.Helper()
	client, err := redisstore.NewClient(config.Redis{
		Addrs:       []string{addr},
		DialTimeout: time.Second,
		OpTimeout:   opTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

func TestConformance(t *testing.T) {
	client := newClient(t, testredis.Start(t), time.Second)
	var n atomic.Int64
	storetest.Run(t,
		func(*testing.T) auth.Store {
			// A fresh prefix per subtest keeps subtests apart on one server.
			return redisstore.New(client, fmt.Sprintf("storetest:%d:", n.Add(1)), time.Second)
		},
		func(_ *testing.T, d time.Duration) { time.Sleep(d) })
}

func TestKeysCarryThePrefix(t *testing.T) {
	client := newClient(t, testredis.Start(t), time.Second)
	ctx := t.Context()
	a := redisstore.New(client, "gatehouse:", time.Second)
	b := redisstore.New(client, "other:", time.Second)

	if err := a.Set(ctx, "session:1", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if ok, err := a.SetNX(ctx, "lock", []byte("v"), time.Minute); err != nil || !ok {
		t.Fatalf("SetNX = %v, %v", ok, err)
	}
	if _, err := a.Incr(ctx, "count", time.Minute); err != nil {
		t.Fatal(err)
	}
	if ok, err := a.CompareAndSwap(ctx, "swapped", nil, []byte("v"), time.Minute); err != nil || !ok {
		t.Fatalf("CompareAndSwap = %v, %v", ok, err)
	}

	tests := []struct {
		raw  string
		want string // "" means the raw key must not exist
	}{
		{"gatehouse:session:1", "v"},
		{"gatehouse:lock", "v"},
		{"gatehouse:count", "1"},
		{"gatehouse:swapped", "v"},
		{"session:1", ""},
		{"lock", ""},
		{"count", ""},
		{"swapped", ""},
	}
	for _, tt := range tests {
		got, err := client.Get(ctx, tt.raw).Result()
		switch {
		case tt.want == "" && !errors.Is(err, redis.Nil):
			t.Errorf("raw GET %q = %q, %v; want no such key", tt.raw, got, err)
		case tt.want != "" && (err != nil || got != tt.want):
			t.Errorf("raw GET %q = %q, %v; want %q", tt.raw, got, err, tt.want)
		}
	}
	for _, raw := range []string{"gatehouse:session:1", "gatehouse:lock", "gatehouse:count", "gatehouse:swapped"} {
		if d, err := client.PTTL(ctx, raw).Result(); err != nil || d <= 0 || d > time.Minute {
			t.Errorf("raw PTTL %q = %v, %v; want within (0, 1m]", raw, d, err)
		}
	}

	if _, err := b.Get(ctx, "session:1"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("a store with another prefix sees the key: Get error = %v, want ErrNotFound", err)
	}
	if ok, err := b.Delete(ctx, "session:1"); err != nil || ok {
		t.Errorf("a store with another prefix deleted the key: Delete = %v, %v", ok, err)
	}
}

func TestIncrRepairsACounterWithoutTTL(t *testing.T) {
	client := newClient(t, testredis.Start(t), time.Second)
	ctx := t.Context()
	st := redisstore.New(client, "p:", time.Second)
	if err := client.Set(ctx, "p:c", "5", 0).Err(); err != nil { // no expiry
		t.Fatal(err)
	}
	if n, err := st.Incr(ctx, "c", time.Minute); err != nil || n != 6 {
		t.Fatalf("Incr = %d, %v; want 6, nil", n, err)
	}
	if d, err := st.TTL(ctx, "c"); err != nil || d <= 0 || d > time.Minute {
		t.Fatalf("TTL after Incr = %v, %v; want within (0, 1m]", d, err)
	}
}

func TestTTLOfAKeyWithoutExpiry(t *testing.T) {
	client := newClient(t, testredis.Start(t), time.Second)
	ctx := t.Context()
	st := redisstore.New(client, "p:", time.Second)
	if err := client.Set(ctx, "p:forever", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if d, err := st.TTL(ctx, "forever"); err != nil || d != redisstore.NoExpiry {
		t.Fatalf("TTL = %v, %v; want NoExpiry, nil", d, err)
	}
}

func TestNewClient(t *testing.T) {
	tests := []struct {
		name    string
		cfg     config.Redis
		wantErr bool
		check   func(t *testing.T, c redis.UniversalClient)
	}{
		{name: "no address", cfg: config.Redis{}, wantErr: true},
		{
			name:    "cluster with a db",
			cfg:     config.Redis{Addrs: []string{"127.0.0.1:1", "127.0.0.1:2"}, DB: 1},
			wantErr: true,
		},
		{
			name: "one address is a standalone server",
			cfg: config.Redis{
				Addrs: []string{"127.0.0.1:1"}, Username: "u", Password: "p", DB: 3,
				DialTimeout: 2 * time.Second, OpTimeout: 300 * time.Millisecond,
			},
			check: func(t *testing.T, c redis.UniversalClient) {
				rc, ok := c.(*redis.Client)
				if !ok {
					t.Fatalf("client is %T, want *redis.Client", c)
				}
				o := rc.Options()
				if o.Addr != "127.0.0.1:1" || o.Username != "u" || o.Password != "p" || o.DB != 3 {
					t.Errorf("options = addr %q user %q db %d, want the configured ones", o.Addr, o.Username, o.DB)
				}
				if o.DialTimeout != 2*time.Second || o.ReadTimeout != 300*time.Millisecond || o.WriteTimeout != 300*time.Millisecond {
					t.Errorf("timeouts = dial %v read %v write %v, want 2s, 300ms, 300ms", o.DialTimeout, o.ReadTimeout, o.WriteTimeout)
				}
				if o.TLSConfig != nil {
					t.Error("TLS is on though tls: false")
				}
			},
		},
		{
			name: "tls",
			cfg:  config.Redis{Addrs: []string{"127.0.0.1:1"}, TLS: true},
			check: func(t *testing.T, c redis.UniversalClient) {
				o := c.(*redis.Client).Options()
				if o.TLSConfig == nil || o.TLSConfig.MinVersion < 0x0303 {
					t.Errorf("TLS config = %+v, want TLS 1.2 or later", o.TLSConfig)
				}
				if o.ReadTimeout != redisstore.DefaultOpTimeout {
					t.Errorf("read timeout = %v, want the default %v", o.ReadTimeout, redisstore.DefaultOpTimeout)
				}
			},
		},
		{
			name: "several addresses are a cluster",
			cfg:  config.Redis{Addrs: []string{"127.0.0.1:1", "127.0.0.1:2"}},
			check: func(t *testing.T, c redis.UniversalClient) {
				if _, ok := c.(*redis.ClusterClient); !ok {
					t.Errorf("client is %T, want *redis.ClusterClient", c)
				}
			},
		},
		{
			name: "master name means sentinel",
			cfg:  config.Redis{Addrs: []string{"127.0.0.1:1", "127.0.0.1:2"}, MasterName: "mymaster"},
			check: func(t *testing.T, c redis.UniversalClient) {
				rc, ok := c.(*redis.Client)
				if !ok {
					t.Fatalf("client is %T, want a sentinel-backed *redis.Client", c)
				}
				if got := rc.Options().Addr; got != "FailoverClient" {
					t.Errorf("Addr = %q, want the failover client's", got)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := redisstore.NewClient(tt.cfg)
			if tt.wantErr {
				if err == nil {
					_ = c.Close()
					t.Fatal("NewClient succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			t.Cleanup(func() { _ = c.Close() })
			tt.check(t, c)
		})
	}
}

func BenchmarkGet(b *testing.B) {
	st := redisstore.New(newClient(b, testredis.Start(b), time.Second), "bench:", time.Second)
	ctx := b.Context()
	if err := st.Set(ctx, "k", make([]byte, 256), time.Hour); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := st.Get(ctx, "k"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSet(b *testing.B) {
	st := redisstore.New(newClient(b, testredis.Start(b), time.Second), "bench:", time.Second)
	ctx := b.Context()
	value := make([]byte, 256)
	for b.Loop() {
		if err := st.Set(ctx, "k", value, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIncr(b *testing.B) {
	st := redisstore.New(newClient(b, testredis.Start(b), time.Second), "bench:", time.Second)
	ctx := b.Context()
	for b.Loop() {
		if _, err := st.Incr(ctx, "c", time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

func TestAuditConformance(t *testing.T) {
	addr := testredis.Start(t)
	var n atomic.Int64
	storetest.RunAudit(t, func(t *testing.T, retain auth.AuditRetain) auth.AuditLog {
		return redisstore.NewAuditLog(newClient(t, addr, time.Second), fmt.Sprintf("audit%d:", n.Add(1)), retain, time.Second)
	})
}
