package redisstore_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// The client cache when Redis fails, restarts, refuses tracking or is not
// a standalone server: it fails closed (docs/contract.md, "Client-side
// cache of session reads").

func TestCacheFailsClosedWithRedis(t *testing.T) {
	const opTimeout = 200 * time.Millisecond
	ctx := t.Context()
	tests := []struct {
		name   string
		outage func(s *testredis.Server)
	}{
		{"redis hangs", (*testredis.Server).Pause},
		{"redis dies", (*testredis.Server).Kill},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := testredis.NewServer(t)
			st := cachedStore(t, srv.Addr, "c:", opTimeout)
			if err := st.Set(ctx, "c:s", []byte("session"), time.Minute); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, err := st.Get(ctx, "c:s"); err != nil {
					t.Fatal(err)
				}
			}
			tt.outage(srv)
			defer srv.Resume()
			// Within half the op timeout the cache stops
			// answering, and reads fail like uncached ones.
			start := time.Now()
			var err error
			for time.Since(start) < 5*opTimeout {
				if _, err = st.Get(ctx, "c:s"); err != nil {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			if !errors.Is(err, auth.ErrStoreUnavailable) {
				t.Fatalf("Get during the outage = %v, want ErrStoreUnavailable", err)
			}
			if took := time.Since(start); took > 4*opTimeout {
				t.Errorf("the cache kept answering for %v", took)
			}
		})
	}
}

func TestCacheForgetsWhatARestartedRedisLost(t *testing.T) {
	const opTimeout = 200 * time.Millisecond
	srv := testredis.NewServer(t)
	st := cachedStore(t, srv.Addr, "c:", opTimeout)
	ctx := t.Context()
	if err := st.Set(ctx, "c:s", []byte("session"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "c:s"); err != nil {
		t.Fatal(err)
	}
	srv.Restart() // nothing persisted: the key is gone
	waitTracking(t, st, true)
	eventually(t, "a read after the restart", func() bool {
		_, err := st.Get(ctx, "c:s")
		return errors.Is(err, auth.ErrNotFound)
	})
	if s := st.CacheStats(); s.Flushes == 0 {
		t.Errorf("stats = %+v, want a flush", s)
	}
}

func TestCacheOffWhenRedisRefusesTracking(t *testing.T) {
	addr := testredis.Start(t)
	ctx := t.Context()
	if _, err := testredis.Do(addr, "ACL", "SETUSER", "notrack", "on", ">pw", "~*", "+@all", "-client"); err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(&redis.Options{Addr: addr, Username: "notrack", Password: "pw"})
	t.Cleanup(func() { _ = client.Close() })
	logs := &syncBuffer{}
	st, err := redisstore.NewCached(redisstore.New(client, "gh:", time.Second), redisstore.CacheOptions{
		Prefixes: []string{"c:"},
		Logger:   slog.New(slog.NewTextHandler(logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	// Wait for Redis's refusal to reach the tracker: only then does the
	// test show that a refused cache serves nothing.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "redis client cache: off") {
		if time.Now().After(deadline) {
			t.Fatalf("no refusal logged after 5s:\n%s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := st.Set(ctx, "c:k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if v, err := st.Get(ctx, "c:k"); err != nil || string(v) != "v" {
			t.Fatalf("Get = %q, %v", v, err)
		}
	}
	if s := st.CacheStats(); s.Tracking || s.Hits != 0 || s.Entries != 0 {
		t.Errorf("stats = %+v, want no tracking, no hits, nothing kept", s)
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestCacheNeedsAStandaloneServer(t *testing.T) {
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1", "127.0.0.1:2"}})
	t.Cleanup(func() { _ = cc.Close() })
	if _, err := redisstore.NewCached(redisstore.New(cc, "gh:", time.Second), redisstore.CacheOptions{Prefixes: []string{"s:"}}); !errors.Is(err, redisstore.ErrCacheUnsupported) {
		t.Fatalf("NewCached on a cluster = %v, want ErrCacheUnsupported", err)
	}
	fc := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: "m", SentinelAddrs: []string{"127.0.0.1:1"}})
	t.Cleanup(func() { _ = fc.Close() })
	if _, err := redisstore.NewCached(redisstore.New(fc, "gh:", time.Second), redisstore.CacheOptions{Prefixes: []string{"s:"}}); !errors.Is(err, redisstore.ErrCacheUnsupported) {
		t.Fatalf("NewCached with Sentinel = %v, want ErrCacheUnsupported", err)
	}
}

// BenchmarkStoreGet reads one session-sized value: from Redis every time,
// and through the client cache (hits).
func BenchmarkStoreGet(b *testing.B) {
	addr := testredis.Start(b)
	value := bytes.Repeat([]byte("s"), 220)
	for _, bc := range []struct {
		name   string
		cached bool
	}{{"redis", false}, {"cached", true}} {
		b.Run(bc.name, func(b *testing.B) {
			var st auth.Store
			if bc.cached {
				st = cachedStore(b, addr, "c:", time.Second)
			} else {
				st = redisstore.New(newClient(b, addr, time.Second), "gh:", time.Second)
			}
			ctx := b.Context()
			if err := st.Set(ctx, "c:bench", value, time.Hour); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := st.Get(ctx, "c:bench"); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
