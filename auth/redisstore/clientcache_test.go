package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// cachedStore returns a store on addr with the client cache on for keys
// under "c:" (or everything, for prefix ""), once its tracking connection
// is up. It is closed when t ends.
func cachedStore(t testing.TB, addr, prefix string, opTimeout time.Duration) *redisstore.Cached {
	t.Helper()
	st, err := redisstore.NewCached(redisstore.New(newClient(t, addr, opTimeout), "gh:", opTimeout), redisstore.CacheOptions{Prefixes: []string{prefix}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	waitTracking(t, st, true)
	return st
}

// waitTracking waits until the cache's tracking connection is up (or down).
func waitTracking(t testing.TB, st *redisstore.Cached, up bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := st.CacheStats()
		if s.Tracking == up {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("tracking still %v after 5s", s.Tracking)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// redisGets is how many GETs the server has executed (INFO commandstats).
func redisGets(t testing.TB, addr string) int {
	t.Helper()
	v, err := testredis.Do(addr, "INFO", "commandstats")
	if err != nil {
		t.Fatal(err)
	}
	info, _ := v.(string)
	for line := range bytes.Lines([]byte(info)) {
		rest, ok := bytes.CutPrefix(line, []byte("cmdstat_get:calls="))
		if !ok {
			continue
		}
		n, err := strconv.Atoi(string(rest[:bytes.IndexByte(rest, ',')]))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	return 0
}

// eventually polls f for up to a second.
func eventually(t testing.TB, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 1s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestConformanceWithClientCache(t *testing.T) {
	addr := testredis.Start(t)
	var n atomic.Int64
	storetest.Run(t,
		func(t *testing.T) auth.Store {
			// Every key cacheable: the whole contract must hold through the
			// cache.
			client := newClient(t, addr, time.Second)
			st, err := redisstore.NewCached(redisstore.New(client, fmt.Sprintf("cc:%d:", n.Add(1)), time.Second), redisstore.CacheOptions{Prefixes: []string{""}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			waitTracking(t, st, true)
			return st
		},
		func(_ *testing.T, d time.Duration) { time.Sleep(d) })
}

func TestCacheAnswersRepeatedReadsWithoutRedis(t *testing.T) {
	addr := testredis.Start(t)
	// A long op_timeout: on a loaded machine a heartbeat half a second
	// late rightly stops the cache answering (TestCacheFailsClosedWithRedis
	// holds that), which is not what this test counts.
	st := cachedStore(t, addr, "c:", 10*time.Second)
	// The Set's own invalidation comes on the tracking connection, in
	// its own time: on a loaded machine it can land after the first read
	// fetched, which then rightly keeps nothing, and the second read
	// fetches again. Past that, reads cost Redis nothing.
	ctx := t.Context()
	for _, k := range []string{"c:1", "other"} {
		if err := st.Set(ctx, k, []byte("v-"+k), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	before := redisGets(t, addr)
	for range 50 {
		if v, err := st.Get(ctx, "c:1"); err != nil || string(v) != "v-c:1" {
			t.Fatalf("Get(c:1) = %q, %v", v, err)
		}
	}
	if got := redisGets(t, addr) - before; got < 1 || got > 2 {
		t.Errorf("50 reads of a cached key cost %d GETs in Redis, want 1 (2 when the write's invalidation came late)", got)
	}
	before = redisGets(t, addr)
	for range 5 {
		if _, err := st.Get(ctx, "other"); err != nil {
			t.Fatal(err)
		}
	}
	if got := redisGets(t, addr) - before; got != 5 {
		t.Errorf("5 reads of a key outside the cached prefixes cost %d GETs, want 5", got)
	}
	// A caller writing into what it got must not change the cache.
	v, _ := st.Get(ctx, "c:1")
	copy(v, "XXXX")
	if v, _ := st.Get(ctx, "c:1"); string(v) != "v-c:1" {
		t.Errorf("after the caller scribbled on its copy, Get = %q", v)
	}
	if s := st.CacheStats(); s.Hits < 50 || s.Entries != 1 {
		t.Errorf("stats = %+v, want ≥ 50 hits and 1 entry", s)
	}
}

func TestCacheFollowsEveryChangeInRedis(t *testing.T) {
	addr := testredis.Start(t)
	ctx := t.Context()
	tests := []struct {
		name   string
		change func(t *testing.T, other *redisstore.Store, raw redis.UniversalClient)
		want   string // "" = gone
	}{
		{"another gateway overwrites", func(t *testing.T, o *redisstore.Store, _ redis.UniversalClient) {
			if err := o.Set(ctx, "c:k", []byte("new"), time.Minute); err != nil {
				t.Fatal(err)
			}
		}, "new"},
		{"another gateway deletes (logout)", func(t *testing.T, o *redisstore.Store, _ redis.UniversalClient) {
			if _, err := o.Delete(ctx, "c:k"); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"an operator deletes by hand", func(t *testing.T, _ *redisstore.Store, raw redis.UniversalClient) {
			if err := raw.Del(ctx, "gh:c:k").Err(); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"FLUSHALL", func(t *testing.T, _ *redisstore.Store, raw redis.UniversalClient) {
			if err := raw.FlushAll(ctx).Err(); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"the key expires", func(t *testing.T, _ *redisstore.Store, raw redis.UniversalClient) {
			if err := raw.PExpire(ctx, "gh:c:k", 30*time.Millisecond).Err(); err != nil {
				t.Fatal(err)
			}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := cachedStore(t, addr, "c:", time.Second)
			other := redisstore.New(newClient(t, addr, time.Second), "gh:", time.Second)
			raw := newClient(t, addr, time.Second)
			if err := st.Set(ctx, "c:k", []byte("old"), time.Minute); err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second read is a hit
				if v, err := st.Get(ctx, "c:k"); err != nil || string(v) != "old" {
					t.Fatalf("Get = %q, %v", v, err)
				}
			}
			tt.change(t, other, raw)
			eventually(t, "the cache dropping the old value", func() bool {
				v, err := st.Get(ctx, "c:k")
				if tt.want == "" {
					return errors.Is(err, auth.ErrNotFound)
				}
				return err == nil && string(v) == tt.want
			})
		})
	}
}

// keepReading reads key through st from four goroutines until the
// returned stop is called: readers that keep filling the client-side
// cache with whatever Redis had when their read went out.
func keepReading(ctx context.Context, st *redisstore.Cached, key string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				_, _ = st.Get(ctx, key)
			}
		})
	}
	return func() { close(done); wg.Wait() }
}

func TestCacheReadsItsOwnWritesAtOnce(t *testing.T) {
	addr := testredis.Start(t)
	st := cachedStore(t, addr, "c:", time.Second)
	ctx := t.Context()

	// Readers keep filling the cache with whatever Redis had when their
	// read went out; after each write returns, a read here must see that
	// write or a later one, never an older value a racing read fetched.
	defer keepReading(ctx, st, "c:n")()
	for i := 1; i <= 300; i++ {
		if err := st.Set(ctx, "c:n", []byte(strconv.Itoa(i)), time.Minute); err != nil {
			t.Fatal(err)
		}
		v, err := st.Get(ctx, "c:n")
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := strconv.Atoi(string(v)); n < i {
			t.Fatalf("after writing %d, Get = %d", i, n)
		}
	}
	if _, err := st.Delete(ctx, "c:n"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "c:n"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Get right after Delete = %v, want ErrNotFound", err)
	}
}

func TestCacheNeverOutlivesTheKey(t *testing.T) {
	addr := testredis.Start(t)
	st := cachedStore(t, addr, "c:", time.Second)
	ctx := t.Context()
	if err := st.Set(ctx, "c:short", []byte("v"), 150*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "c:short"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if v, err := st.Get(ctx, "c:short"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Get after the key's TTL = %q, %v; want ErrNotFound", v, err)
	}
}
