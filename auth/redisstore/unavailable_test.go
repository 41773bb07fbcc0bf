package redisstore_test

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// A Redis that cannot be reached: every operation fails closed, promptly.

// silentServer accepts connections and never answers, like a Redis that
// hangs. It returns its address.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		_ = l.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// ops calls every Store method once; each returns only its error.
func ops(st auth.Store) map[string]func(t *testing.T) error {
	m := map[string]func(t *testing.T) error{
		"Get": func(t *testing.T) error { _, err := st.Get(t.Context(), "k"); return err },
		"Set": func(t *testing.T) error { return st.Set(t.Context(), "k", []byte("v"), time.Minute) },
		"SetNX": func(t *testing.T) error {
			_, err := st.SetNX(t.Context(), "k", []byte("v"), time.Minute)
			return err
		},
		"SetIfExists": func(t *testing.T) error {
			_, err := st.SetIfExists(t.Context(), "k", []byte("v"), time.Minute)
			return err
		},
		"Delete": func(t *testing.T) error { _, err := st.Delete(t.Context(), "k"); return err },
		"Expire": func(t *testing.T) error { _, err := st.Expire(t.Context(), "k", time.Minute); return err },
		"Incr":   func(t *testing.T) error { _, err := st.Incr(t.Context(), "counter", time.Minute); return err },
		"TTL":    func(t *testing.T) error { _, err := st.TTL(t.Context(), "k"); return err },
		"Ping":   func(t *testing.T) error { return st.Ping(t.Context()) },
	}
	if sw, ok := st.(auth.Swapper); ok {
		m["CompareAndSwap"] = func(t *testing.T) error {
			_, err := sw.CompareAndSwap(t.Context(), "k", nil, []byte("v"), time.Minute)
			return err
		}
	}
	return m
}

// expectUnavailable runs every operation against st and checks that each
// fails with ErrStoreUnavailable, promptly.
func expectUnavailable(t *testing.T, st auth.Store) {
	t.Helper()
	const limit = 2 * time.Second
	for name, op := range ops(st) {
		begin := time.Now()
		err := op(t)
		took := time.Since(begin)
		if !errors.Is(err, auth.ErrStoreUnavailable) {
			t.Errorf("%s error = %v, want ErrStoreUnavailable", name, err)
		}
		if errors.Is(err, auth.ErrNotFound) {
			t.Errorf("%s error %v also matches ErrNotFound", name, err)
		}
		if took > limit {
			t.Errorf("%s took %v to fail, want under %v", name, took, limit)
		}
	}
}

func TestUnavailableRedisFailsFast(t *testing.T) {
	const opTimeout = 200 * time.Millisecond
	tests := []struct {
		name string
		addr func(t *testing.T) string
	}{
		{"nothing listening", closedPort},
		{"server never answers", silentServer},
		{"server stopped", func(t *testing.T) string {
			s := testredis.NewServer(t)
			s.Stop()
			return s.Addr
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := newClient(t, tt.addr(t), opTimeout)
			expectUnavailable(t, redisstore.New(client, "p:", opTimeout))
		})
	}
}

func TestRecoversFromARestartWithTheSameClient(t *testing.T) {
	const opTimeout = 200 * time.Millisecond
	srv := testredis.NewServer(t)
	client := newClient(t, srv.Addr, opTimeout)
	st := redisstore.New(client, "p:", opTimeout)
	ctx := t.Context()
	if err := st.Set(ctx, "k", []byte("before"), time.Minute); err != nil {
		t.Fatalf("Set before the outage: %v", err)
	}

	srv.Stop()
	expectUnavailable(t, st)

	srv.Restart()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := st.Set(ctx, "k", []byte("after"), time.Minute)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Set still failing 5s after Redis came back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for name, op := range ops(st) {
		if err := op(t); err != nil && !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("%s after recovery: %v", name, err)
		}
	}
}
