package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// The compare-and-set under every change of an account record
// (auth.Swapper; docs/contract.md, "Sessions end when credentials
// change").

// swapStore is a store that compares and sets.
type swapStore interface {
	auth.Store
	auth.Swapper
}

// swapper returns a new store as a swapStore; every store of this
// project is one.
func (s suite) swapper(t *testing.T) swapStore {
	t.Helper()
	st, ok := s.newStore(t).(swapStore)
	if !ok {
		t.Fatal("store does not implement auth.Swapper")
	}
	return st
}

// mustSwap calls CompareAndSwap and fails the test on an error or an
// answer other than want.
func mustSwap(t *testing.T, st swapStore, key string, old, value []byte, ttl time.Duration, want bool) {
	t.Helper()
	ok, err := st.CompareAndSwap(t.Context(), key, old, value, ttl)
	if err != nil || ok != want {
		t.Fatalf("CompareAndSwap(%q, %q → %q) = %v, %v; want %v, nil", key, old, value, ok, err, want)
	}
}

func (s suite) compareAndSwap(t *testing.T) {
	binary := []byte{0, 1, '\r', '\n', 0xff, 0}
	tests := []struct {
		name string
		// before is what the key holds first (nil: nothing).
		before []byte
		old    []byte
		want   bool
	}{
		{"absent, asked absent", nil, nil, true},
		{"absent, asked a value", nil, []byte("v1"), false},
		{"absent, asked the empty value", nil, []byte{}, false},
		{"present, asked absent", []byte("v1"), nil, false},
		{"matching value", []byte("v1"), []byte("v1"), true},
		{"stale value", []byte("v2"), []byte("v1"), false},
		{"a prefix of the value", []byte("v1v1"), []byte("v1"), false},
		{"matching binary value", binary, bytes.Clone(binary), true},
		{"stale binary value", binary, binary[:5], false},
		{"matching empty value", []byte{}, []byte{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.swapper(t)
			if tt.before != nil {
				mustSet(t, st, "k", tt.before, longTTL)
			}
			mustSwap(t, st, "k", tt.old, []byte("new"), longTTL, tt.want)
			switch {
			case tt.want:
				if got := mustGet(t, st, "k"); string(got) != "new" {
					t.Errorf("Get after a swap = %q, want %q", got, "new")
				}
				expectTTL(t, st, "k", longTTL-slack, longTTL)
			case tt.before == nil:
				expectGone(t, st, "k")
			default:
				if got := mustGet(t, st, "k"); !bytes.Equal(got, tt.before) {
					t.Errorf("Get after a refused swap = %q, want it untouched: %q", got, tt.before)
				}
			}
		})
	}

	t.Run("a chain of swaps, each from the last", func(t *testing.T) {
		st := s.swapper(t)
		var prev []byte
		for i := range 5 {
			v := fmt.Appendf(nil, "v%d", i)
			mustSwap(t, st, "k", prev, v, longTTL, true)
			mustSwap(t, st, "k", prev, []byte("late"), longTTL, false)
			prev = v
		}
		if got := mustGet(t, st, "k"); string(got) != "v4" {
			t.Errorf("Get = %q, want v4", got)
		}
	})

	t.Run("value isolation", func(t *testing.T) {
		st := s.swapper(t)
		in := []byte("original")
		mustSwap(t, st, "k", nil, in, longTTL, true)
		copy(in, "XXXXXXXX")
		if got := mustGet(t, st, "k"); string(got) != "original" {
			t.Errorf("after mutating the slice passed to CompareAndSwap, Get = %q, want %q", got, "original")
		}
	})

	t.Run("a set never matches", func(t *testing.T) {
		st := s.swapper(t)
		ss, ok := st.(auth.SetStore)
		if !ok {
			t.Skip("store keeps no sets")
		}
		if err := ss.SAdd(t.Context(), "set", "m", longTTL); err != nil {
			t.Fatal(err)
		}
		mustSwap(t, st, "set", nil, []byte("v"), longTTL, false)
		mustSwap(t, st, "set", []byte("m"), []byte("v"), longTTL, false)
		if m, err := ss.SMembers(t.Context(), "set"); err != nil || !slices.Equal(m, []string{"m"}) {
			t.Errorf("SMembers after refused swaps = %v, %v; want [m]", m, err)
		}
	})

	t.Run("non-positive TTL", func(t *testing.T) {
		st := s.swapper(t)
		mustSet(t, st, "k", []byte("v"), longTTL)
		for _, ttl := range []time.Duration{0, -time.Second} {
			if _, err := st.CompareAndSwap(t.Context(), "k", []byte("v"), []byte("w"), ttl); err == nil {
				t.Errorf("CompareAndSwap with TTL %v succeeded, want an error", ttl)
			}
			if _, err := st.CompareAndSwap(t.Context(), "absent", nil, []byte("w"), ttl); err == nil {
				t.Errorf("CompareAndSwap of an absent key with TTL %v succeeded, want an error", ttl)
			}
		}
		if got := mustGet(t, st, "k"); string(got) != "v" {
			t.Errorf("after refused swaps, Get = %q, want %q", got, "v")
		}
		expectGone(t, st, "absent")
	})
}

func (s suite) compareAndSwapExpiry(t *testing.T) {
	st := s.swapper(t)
	// An expired key is absent: its old value no longer matches.
	mustSet(t, st, "expired", []byte("v"), shortTTL)
	mustSet(t, st, "expired-absent", []byte("v"), shortTTL)
	// The TTL given replaces the key's, in both directions.
	mustSet(t, st, "shorter", []byte("v"), longTTL)
	mustSet(t, st, "longer", []byte("v"), shortTTL)
	mustSwap(t, st, "shorter", []byte("v"), []byte("w"), shortTTL, true)
	mustSwap(t, st, "longer", []byte("v"), []byte("w"), longTTL, true)
	mustSwap(t, st, "fresh", nil, []byte("w"), shortTTL, true)
	expectTTL(t, st, "shorter", 1, shortTTL)
	expectTTL(t, st, "longer", longTTL-slack, longTTL)
	s.wait(t, shortTTL+margin)

	mustSwap(t, st, "expired", []byte("v"), []byte("w"), longTTL, false)
	expectGone(t, st, "expired")
	mustSwap(t, st, "expired-absent", nil, []byte("w"), longTTL, true)
	if got := mustGet(t, st, "expired-absent"); string(got) != "w" {
		t.Errorf("Get after a swap of an expired key = %q, want %q", got, "w")
	}
	expectGone(t, st, "shorter")
	expectGone(t, st, "fresh")
	if got := mustGet(t, st, "longer"); string(got) != "w" {
		t.Errorf("Get(longer) = %q, want %q: the swap's TTL replaces the key's", got, "w")
	}
}

// compareAndSwapConcurrent: of many swaps from the same value at once,
// exactly one goes through, round after round; the value is the
// winner's.
func (s suite) compareAndSwapConcurrent(t *testing.T) {
	st, ctx := s.swapper(t), t.Context()
	const n = 50
	cur := []byte("v0")
	mustSet(t, st, "record", cur, longTTL)
	for round := range 5 {
		results := concurrently(n, func(i int) (bool, error) {
			return st.CompareAndSwap(ctx, "record", cur, fmt.Appendf(nil, "round-%d-owner-%d", round, i), longTTL)
		})
		if wins := countTrue(t, results); wins != 1 {
			t.Fatalf("round %d: %d of %d concurrent swaps from one value went through, want exactly 1", round, wins, n)
		}
		winner := slices.IndexFunc(results, func(r result[bool]) bool { return r.v })
		want := fmt.Sprintf("round-%d-owner-%d", round, winner)
		if cur = mustGet(t, st, "record"); string(cur) != want {
			t.Fatalf("round %d: stored value = %q, want the winner's %q", round, cur, want)
		}
	}
}
