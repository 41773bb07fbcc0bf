package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// mustSet stores value or fails the test.
func mustSet(t *testing.T, st auth.Store, key string, value []byte, ttl time.Duration) {
	t.Helper()
	if err := st.Set(t.Context(), key, value, ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

// mustGet returns the value under key or fails the test.
func mustGet(t *testing.T, st auth.Store, key string) []byte {
	t.Helper()
	v, err := st.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return v
}

// expectGone checks that Get and TTL report key as missing.
func expectGone(t *testing.T, st auth.Store, key string) {
	t.Helper()
	if v, err := st.Get(t.Context(), key); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("Get(%q) = %q, %v; want ErrNotFound", key, v, err)
	}
	if d, err := st.TTL(t.Context(), key); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("TTL(%q) = %v, %v; want ErrNotFound", key, d, err)
	}
}

// expectTTL checks that the remaining lifetime of key is within [lo, hi].
func expectTTL(t *testing.T, st auth.Store, key string, lo, hi time.Duration) {
	t.Helper()
	d, err := st.TTL(t.Context(), key)
	if err != nil {
		t.Fatalf("TTL(%q): %v", key, err)
	}
	if d < lo || d > hi {
		t.Errorf("TTL(%q) = %v, want within [%v, %v]", key, d, lo, hi)
	}
}

// result is the outcome of one call in concurrently.
type result[T any] struct {
	v   T
	err error
}

// concurrently calls fn(0..n-1) from n goroutines released at once and
// returns the results by index.
func concurrently[T any](n int, fn func(i int) (T, error)) []result[T] {
	results := make([]result[T], n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			v, err := fn(i)
			results[i] = result[T]{v, err}
		})
	}
	close(start)
	wg.Wait()
	return results
}

// countTrue counts the true results and fails the test on any error.
func countTrue(t *testing.T, results []result[bool]) int {
	t.Helper()
	n := 0
	for _, r := range results {
		if r.err != nil {
			t.Fatalf("concurrent call: %v", r.err)
		}
		if r.v {
			n++
		}
	}
	return n
}
