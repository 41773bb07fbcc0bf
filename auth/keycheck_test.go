package auth_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
)

// downStore is a memory store that fails every call while down is set.
type downStore struct {
	*memstore.Store
	down atomic.Bool
}

func (s *downStore) Get(ctx context.Context, key string) ([]byte, error) {
	if s.down.Load() {
		return nil, auth.ErrStoreUnavailable
	}
	return s.Store.Get(ctx, key)
}

func (s *downStore) SetNX(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	if s.down.Load() {
		return false, auth.ErrStoreUnavailable
	}
	return s.Store.SetNX(ctx, key, v, ttl)
}

// keyOf is the fingerprint of a derivation key named by seed.
func keyOf(seed string) []byte {
	return auth.KeyFingerprint(func(purpose string) []byte { return []byte(seed + purpose) })
}

// TestTheStoreIsUsedOnlyUnderItsDerivationKey: a gateway whose store was
// written under another derivation key uses it for nothing: refused at
// start when the store answers, and when it was down at start, every
// call fails closed until it answers, then for good (docs/contract.md,
// "Identity headers"). A reload to another key is taken only once the
// store keeps it.
func TestTheStoreIsUsedOnlyUnderItsDerivationKey(t *testing.T) {
	for _, tc := range []struct {
		name      string
		kept      []byte // the fingerprint the store keeps (nil: none)
		downFirst bool   // the store is down when the gateway starts
		wantStart error  // what Expect says at start
		wantUse   error  // what a use of the store says once it answers
	}{
		{"a new store", nil, false, nil, nil},
		{"the same key", keyOf("a"), false, nil, nil},
		{"another key", keyOf("b"), false, auth.ErrDerivationKeyChanged, auth.ErrStoreUnavailable},
		{"a new store, down at start", nil, true, nil, nil},
		{"the same key, down at start", keyOf("a"), true, nil, nil},
		{"another key, down at start", keyOf("b"), true, nil, auth.ErrDerivationKeyChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			st := &downStore{Store: memstore.New(nil)}
			if tc.kept != nil {
				if _, err := auth.AdoptDerivationKey(ctx, st, tc.kept); err != nil {
					t.Fatal(err)
				}
			}
			gate := auth.NewKeyGate(st)
			st.down.Store(tc.downFirst)
			if err := gate.Expect(ctx, keyOf("a")); !errors.Is(err, tc.wantStart) || (err != nil) != (tc.wantStart != nil) {
				t.Fatalf("Expect at start = %v, want %v", err, tc.wantStart)
			}
			if tc.downFirst {
				if _, err := gate.Store().Get(ctx, "k"); !errors.Is(err, auth.ErrStoreUnavailable) {
					t.Fatalf("a use while the store is down: %v, want ErrStoreUnavailable", err)
				}
			}
			st.down.Store(false)
			for range 2 {
				err := gate.Store().Set(ctx, "k", []byte("v"), time.Minute)
				if !errors.Is(err, tc.wantUse) || (err != nil) != (tc.wantUse != nil) {
					t.Fatalf("a use once the store answers: %v, want %v", err, tc.wantUse)
				}
				if tc.wantUse != nil && !errors.Is(err, auth.ErrStoreUnavailable) {
					t.Fatalf("a use under another key: %v, want it to fail closed (ErrStoreUnavailable)", err)
				}
			}
			if tc.wantUse != nil {
				if _, err := st.Get(ctx, "k"); !errors.Is(err, auth.ErrNotFound) {
					t.Errorf("a refused gate wrote to the store: %v", err)
				}
				return
			}
			// A reload to another key: refused while the store keeps this one.
			if err := gate.Expect(ctx, keyOf("c")); !errors.Is(err, auth.ErrDerivationKeyChanged) {
				t.Fatalf("Expect of another key on reload = %v, want ErrDerivationKeyChanged", err)
			}
			if _, err := gate.Store().Get(ctx, "k"); err != nil {
				t.Fatalf("after a refused reload the store is still used under its key: %v", err)
			}
		})
	}
}
