package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// The release of a store lock by its owner (auth.Swapper's
// CompareAndDelete; docs/contract.md, "Admin console").

// mustDeleteIf calls CompareAndDelete and fails the test on an error or
// an answer other than want.
func mustDeleteIf(t *testing.T, st swapStore, key string, old []byte, want bool) {
	t.Helper()
	ok, err := st.CompareAndDelete(t.Context(), key, old)
	if err != nil || ok != want {
		t.Fatalf("CompareAndDelete(%q, %q) = %v, %v; want %v, nil", key, old, ok, err, want)
	}
}

func (s suite) compareAndDelete(t *testing.T) {
	binary := []byte{0, 1, '\r', '\n', 0xff, 0}
	tests := []struct {
		name string
		// before is what the key holds first (nil: nothing).
		before []byte
		old    []byte
		want   bool
	}{
		{"absent", nil, []byte("owner"), false},
		{"absent, asked nil", nil, nil, false},
		{"present, asked nil", []byte("owner"), nil, false},
		{"the owner's value", []byte("owner"), []byte("owner"), true},
		{"another owner's value", []byte("second"), []byte("owner"), false},
		{"a prefix of the value", []byte("owner-2"), []byte("owner"), false},
		{"the value and more", []byte("owner"), []byte("owner-2"), false},
		{"matching binary value", binary, bytes.Clone(binary), true},
		{"stale binary value", binary, binary[:5], false},
		{"matching empty value", []byte{}, []byte{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.swapper(t)
			if tt.before != nil {
				mustSet(t, st, "lock", tt.before, longTTL)
			}
			mustDeleteIf(t, st, "lock", tt.old, tt.want)
			switch {
			case tt.want, tt.before == nil:
				expectGone(t, st, "lock")
			default:
				if got := mustGet(t, st, "lock"); !bytes.Equal(got, tt.before) {
					t.Errorf("Get after a refused delete = %q, want it untouched: %q", got, tt.before)
				}
				expectTTL(t, st, "lock", longTTL-slack, longTTL)
			}
		})
	}

	t.Run("a set never matches", func(t *testing.T) {
		st := s.swapper(t)
		ss, ok := st.(auth.SetStore)
		if !ok {
			t.Skip("store keeps no sets")
		}
		if err := ss.SAdd(t.Context(), "set", "m", longTTL); err != nil {
			t.Fatal(err)
		}
		mustDeleteIf(t, st, "set", []byte("m"), false)
		if m, err := ss.SMembers(t.Context(), "set"); err != nil || !slices.Equal(m, []string{"m"}) {
			t.Errorf("SMembers after a refused delete = %v, %v; want [m]", m, err)
		}
	})
}

// compareAndDeleteExpiry: an expired key holds nothing, and a lock taken
// again after it expired is not freed by its former holder.
func (s suite) compareAndDeleteExpiry(t *testing.T) {
	st, ctx := s.swapper(t), t.Context()
	mustSet(t, st, "expired", []byte("first"), shortTTL)
	if ok, err := st.SetNX(ctx, "lock", []byte("first"), shortTTL); err != nil || !ok {
		t.Fatalf("SetNX(lock) = %v, %v; want true", ok, err)
	}
	s.wait(t, shortTTL+margin)
	mustDeleteIf(t, st, "expired", []byte("first"), false)
	expectGone(t, st, "expired")
	if ok, err := st.SetNX(ctx, "lock", []byte("second"), longTTL); err != nil || !ok {
		t.Fatalf("SetNX(lock) after it expired = %v, %v; want true", ok, err)
	}
	mustDeleteIf(t, st, "lock", []byte("first"), false)
	if got := mustGet(t, st, "lock"); string(got) != "second" {
		t.Fatalf("the first holder's late release freed the second's lock: Get = %q, want %q", got, "second")
	}
	mustDeleteIf(t, st, "lock", []byte("second"), true)
	expectGone(t, st, "lock")
}

// compareAndDeleteConcurrent: of many deletes of one value at once,
// exactly one goes through; of deletes by owners who do not hold the
// key, none does.
func (s suite) compareAndDeleteConcurrent(t *testing.T) {
	st, ctx := s.swapper(t), t.Context()
	const n = 50
	for round := range 5 {
		owner := fmt.Appendf(nil, "owner-%d", round)
		mustSet(t, st, "lock", owner, longTTL)
		results := concurrently(n, func(i int) (bool, error) {
			if i%2 == 1 {
				return st.CompareAndDelete(ctx, "lock", fmt.Appendf(nil, "intruder-%d", i))
			}
			return st.CompareAndDelete(ctx, "lock", owner)
		})
		if wins := countTrue(t, results); wins != 1 {
			t.Fatalf("round %d: %d of %d concurrent deletes went through, want exactly 1", round, wins, n)
		}
		for i, r := range results {
			if i%2 == 1 && r.v {
				t.Fatalf("round %d: a delete by another owner went through", round)
			}
		}
		expectGone(t, st, "lock")
	}
}

// compareAndSwapRenewsALock: a lock's renewal is a compare-and-swap of
// its owner's token on itself (auth.Lease; docs/contract.md, "Store
// locks are leases"). It keeps the lock past the TTL it was taken with,
// never takes it back once it lapsed, and never renews another owner's.
func (s suite) compareAndSwapRenewsALock(t *testing.T) {
	st, ctx := s.swapper(t), t.Context()
	owner := []byte("owner")
	if ok, err := st.SetNX(ctx, "lock", owner, shortTTL); err != nil || !ok {
		t.Fatalf("SetNX(lock) = %v, %v; want true", ok, err)
	}
	mustSwap(t, st, "lock", []byte("intruder"), []byte("intruder"), longTTL, false)
	for range 3 { // three halves of its TTL
		s.wait(t, shortTTL/2)
		mustSwap(t, st, "lock", owner, owner, shortTTL, true)
	}
	if got := mustGet(t, st, "lock"); !bytes.Equal(got, owner) {
		t.Fatalf("Get(lock) after its renewals = %q, want %q", got, owner)
	}
	expectTTL(t, st, "lock", 1, shortTTL)
	s.wait(t, shortTTL+margin)
	expectGone(t, st, "lock")
	mustSwap(t, st, "lock", owner, owner, longTTL, false) // lapsed: not taken back
	expectGone(t, st, "lock")
	if ok, err := st.SetNX(ctx, "lock", []byte("second"), longTTL); err != nil || !ok {
		t.Fatalf("SetNX(lock) once it lapsed = %v, %v; want true", ok, err)
	}
	mustSwap(t, st, "lock", owner, owner, shortTTL, false)
	if got := mustGet(t, st, "lock"); string(got) != "second" {
		t.Fatalf("the first owner's renewal changed the second's lock: Get = %q", got)
	}
	expectTTL(t, st, "lock", longTTL-slack, longTTL)
}
