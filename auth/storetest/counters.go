package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

func (s suite) incr(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	for want := int64(1); want <= 5; want++ {
		got, err := st.Incr(ctx, "c", longTTL)
		if err != nil {
			t.Fatalf("Incr #%d: %v", want, err)
		}
		if got != want {
			t.Fatalf("Incr #%d = %d, want %d", want, got, want)
		}
	}
	if got, err := st.Incr(ctx, "other", longTTL); err != nil || got != 1 {
		t.Errorf("Incr(other) = %d, %v; want 1, nil", got, err)
	}
}

// incrOnANonCount: Incr of a key that holds something other than a count
// fails with ErrStoreUnavailable (a 503: the request fails closed) and
// leaves the value alone.
func (s suite) incrOnANonCount(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	if err := st.Set(ctx, "c", []byte("x"), longTTL); err != nil {
		t.Fatal(err)
	}
	if n, err := st.Incr(ctx, "c", longTTL); !errors.Is(err, auth.ErrStoreUnavailable) {
		t.Errorf("Incr of a non-count = %d, %v; want ErrStoreUnavailable", n, err)
	}
	if v, err := st.Get(ctx, "c"); err != nil || string(v) != "x" {
		t.Errorf("after Incr: Get = %q, %v; want the value untouched", v, err)
	}
}

func (s suite) incrConcurrent(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	const n = 100
	results := concurrently(n, func(int) (int64, error) { return st.Incr(ctx, "c", longTTL) })
	got := make([]int64, 0, n)
	for _, r := range results {
		if r.err != nil {
			t.Fatalf("Incr: %v", r.err)
		}
		got = append(got, r.v)
	}
	slices.Sort(got)
	for i, v := range got {
		if v != int64(i+1) {
			t.Fatalf("%d concurrent Incr returned %v, want each of 1..%d once", n, got, n)
		}
	}
}

func (s suite) incrWindow(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	// Long enough that the half-window wait and three calls fit in it
	// on a loaded machine.
	const window = 4 * shortTTL
	incr := func(want int64) {
		t.Helper()
		got, err := st.Incr(ctx, "c", window)
		if err != nil || got != want {
			t.Fatalf("Incr = %d, %v; want %d, nil", got, err, want)
		}
	}
	incr(1)
	incr(2)
	expectTTL(t, st, "c", window-slack, window)

	s.wait(t, window/2)
	incr(3)
	// Later increments do not extend the window.
	expectTTL(t, st, "c", 1, window-window/2)

	s.wait(t, window/2+margin)
	// The window is over: the counter starts again, with a fresh window.
	incr(1)
	expectTTL(t, st, "c", window/2, window)
}

func (s suite) expire(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	if ok, err := st.Expire(ctx, "missing", longTTL); err != nil || ok {
		t.Errorf("Expire(missing) = %v, %v; want false, nil", ok, err)
	}
	expectGone(t, st, "missing")

	// Extending: the key outlives its original TTL, value intact.
	mustSet(t, st, "extend", []byte("v"), shortTTL)
	if ok, err := st.Expire(ctx, "extend", longTTL); err != nil || !ok {
		t.Fatalf("Expire(present) = %v, %v; want true, nil", ok, err)
	}
	// Shortening: the key dies at its new TTL.
	mustSet(t, st, "shorten", []byte("v"), longTTL)
	if ok, err := st.Expire(ctx, "shorten", shortTTL); err != nil || !ok {
		t.Fatalf("Expire(present) = %v, %v; want true, nil", ok, err)
	}
	// A counter's window can be changed the same way.
	if _, err := st.Incr(ctx, "counter", longTTL); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.Expire(ctx, "counter", shortTTL); err != nil || !ok {
		t.Fatalf("Expire(counter) = %v, %v; want true, nil", ok, err)
	}

	s.wait(t, shortTTL+margin)
	if got := mustGet(t, st, "extend"); string(got) != "v" {
		t.Errorf("Get(extend) = %q, want %q", got, "v")
	}
	expectTTL(t, st, "extend", longTTL-slack, longTTL)
	expectGone(t, st, "shorten")
	if got, err := st.Incr(ctx, "counter", longTTL); err != nil || got != 1 {
		t.Errorf("Incr after the shortened window = %d, %v; want 1, nil", got, err)
	}
}

func (s suite) ttl(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	if _, err := st.TTL(ctx, "missing"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("TTL(missing) error = %v, want ErrNotFound", err)
	}
	mustSet(t, st, "set", []byte("v"), longTTL)
	expectTTL(t, st, "set", longTTL-slack, longTTL)

	if ok, err := st.SetNX(ctx, "setnx", []byte("v"), time.Minute); err != nil || !ok {
		t.Fatalf("SetNX = %v, %v", ok, err)
	}
	expectTTL(t, st, "setnx", time.Minute-slack, time.Minute)

	if _, err := st.Incr(ctx, "incr", 30*time.Second); err != nil {
		t.Fatal(err)
	}
	expectTTL(t, st, "incr", 30*time.Second-slack, 30*time.Second)

	// Sub-millisecond precision is not required, but a short TTL is not
	// rounded away.
	mustSet(t, st, "short", []byte("v"), shortTTL)
	expectTTL(t, st, "short", 1, shortTTL)
	s.wait(t, shortTTL+margin)
	if _, err := st.TTL(ctx, "short"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("TTL(expired) error = %v, want ErrNotFound", err)
	}
}
