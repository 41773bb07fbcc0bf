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

// slowDownStore is a memory store whose every call, while down is set,
// answers ErrStoreUnavailable after delay (a Redis that does not answer:
// the call waits out its timeout), counting the calls made meanwhile.
type slowDownStore struct {
	*memstore.Store
	delay time.Duration
	down  atomic.Bool
	calls atomic.Int32
}

func (s *slowDownStore) wait(ctx context.Context) error {
	if !s.down.Load() {
		return nil
	}
	s.calls.Add(1)
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
	}
	return auth.ErrStoreUnavailable
}

func (s *slowDownStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.Get(ctx, key)
}

func (s *slowDownStore) SetNX(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	if err := s.wait(ctx); err != nil {
		return false, err
	}
	return s.Store.SetNX(ctx, key, v, ttl)
}

// TestAnUncheckedKeyDoesNotQueueRequests: a gateway started while Redis
// did not answer checks the derivation key at the first use of the store
// (docs/contract.md, "Identity headers"). Requests arriving together
// share that check: each fails closed (503) in about one call's timeout.
// Before, each waited in turn behind the others' checks, one timeout
// each, so with Redis unreachable the tenth request answered after ten
// timeouts, and none could give up while it waited.
func TestAnUncheckedKeyDoesNotQueueRequests(t *testing.T) {
	const delay, requests = 150 * time.Millisecond, 8
	ctx := t.Context()
	st := &slowDownStore{Store: memstore.New(nil), delay: delay}
	gate := auth.NewKeyGate(st)
	st.down.Store(true)
	if err := gate.Expect(ctx, keyOf("a")); err != nil {
		t.Fatalf("Expect with the store down = %v, want nil (checked at first use)", err)
	}
	st.calls.Store(0)
	errs := make(chan error, requests)
	took := make(chan time.Duration, requests)
	for range requests {
		go func() {
			began := time.Now()
			_, err := gate.Store().Get(ctx, "k")
			took <- time.Since(began)
			errs <- err
		}()
	}
	var slowest time.Duration
	for range requests {
		slowest = max(slowest, <-took)
		if err := <-errs; !errors.Is(err, auth.ErrStoreUnavailable) {
			t.Fatalf("a use while the store is down: %v, want ErrStoreUnavailable", err)
		}
	}
	if slowest > 3*delay {
		t.Errorf("the slowest of %d requests answered after %v, %d store calls: want about one call's %v, not one check each in turn", requests, slowest, st.calls.Load(), delay)
	}
	// A request that gives up does not wait for the check in flight.
	short, cancel := context.WithTimeout(ctx, delay/10)
	defer cancel()
	go func() { _, _ = gate.Store().Get(ctx, "k") }() // the check in flight
	time.Sleep(delay / 20)
	began := time.Now()
	if _, err := gate.Store().Get(short, "k"); err == nil {
		t.Fatal("a use while the store is down succeeded")
	}
	if waited := time.Since(began); waited > delay/2 {
		t.Errorf("a request whose context ended waited %v for another's check", waited)
	}
	// Once the store answers, the next use checks and goes through.
	time.Sleep(delay)
	st.down.Store(false)
	if _, err := gate.Store().Get(ctx, "k"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("a use once the store answers: %v, want ErrNotFound", err)
	}
}
