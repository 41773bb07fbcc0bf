package auth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// setReadStore is a memory store that runs once, when armed, a function
// at the first read of an account's record of recovery codes ("rc:" and
// a name, no further part), before answering it with what it held until
// then: another request's work landing between a read and a write. It
// keeps the names of the recovery keys it holds.
type setReadStore struct {
	*memstore.Store
	mu    sync.Mutex
	armed func()
	live  map[string]bool
}

func (s *setReadStore) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := s.Store.Get(ctx, key)
	s.mu.Lock()
	f := s.armed
	if f != nil && strings.HasPrefix(key, "rc:") && strings.Count(key, ":") == 1 {
		s.armed = nil
	} else {
		f = nil
	}
	s.mu.Unlock()
	if f != nil {
		f()
	}
	return v, err
}

func (s *setReadStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	err := s.Store.Set(ctx, key, value, ttl)
	s.note(key, err == nil)
	return err
}

func (s *setReadStore) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	ok, err := s.Store.SetNX(ctx, key, value, ttl)
	s.note(key, ok)
	return ok, err
}

func (s *setReadStore) CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	ok, err := s.Store.CompareAndSwap(ctx, key, old, value, ttl)
	s.note(key, ok)
	return ok, err
}

func (s *setReadStore) Delete(ctx context.Context, key string) (bool, error) {
	ok, err := s.Store.Delete(ctx, key)
	if err == nil {
		s.mu.Lock()
		delete(s.live, key)
		s.mu.Unlock()
	}
	return ok, err
}

func (s *setReadStore) CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error) {
	ok, err := s.Store.CompareAndDelete(ctx, key, old)
	if ok {
		s.mu.Lock()
		delete(s.live, key)
		s.mu.Unlock()
	}
	return ok, err
}

func (s *setReadStore) note(key string, written bool) {
	if !written || !strings.HasPrefix(key, "rc:") {
		return
	}
	s.mu.Lock()
	s.live[key] = true
	s.mu.Unlock()
}

// keysButEpoch is how many recovery keys the store holds but the issue
// epoch (which lives a day after a delete or void).
func (s *setReadStore) keysButEpoch() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k := range s.live {
		if !strings.HasSuffix(k, ":ie") {
			n++
		}
	}
	return n
}

// recoveryKeys is how many recovery keys the store holds.
func (s *setReadStore) recoveryKeys() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}

// TestRecoveryCodesMadeTwiceAtOnceAllWork: two requests making a new set
// of recovery codes at the same moment (a double click on "Make recovery
// codes", two tabs, two replicas). Before, both answered 200 with ten
// codes, and the set recorded last won: the other answer's codes never
// worked, though shown to be written down, and stayed in the store for
// good (a signed-in person racing requests grew the store without end).
// Now every set handed out works; the request that lost is refused with
// ErrRecordContended (503 account_busy, try again) and leaves nothing.
func TestRecoveryCodesMadeTwiceAtOnceAllWork(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Unix(1_700_000_000, 0))
	for _, first := range []bool{false, true} {
		name := "no set before"
		if first {
			name = "replacing a set"
		}
		t.Run(name, func(t *testing.T) {
			st := &setReadStore{Store: memstore.New(clock), live: map[string]bool{}}
			r := auth.NewRecovery(st, []byte("recovery race test key, 32 bytes"), clock)
			if first {
				if _, err := r.Generate(ctx, "alice"); err != nil {
					t.Fatal(err)
				}
			}
			var other []string
			var otherErr error
			st.mu.Lock()
			st.armed = func() { other, otherErr = r.Generate(ctx, "alice") }
			st.mu.Unlock()
			mine, mineErr := r.Generate(ctx, "alice")

			handed := 0
			for _, set := range []struct {
				codes []string
				err   error
			}{{mine, mineErr}, {other, otherErr}} {
				switch {
				case errors.Is(set.err, auth.ErrRecordContended):
					if set.codes != nil {
						t.Fatalf("a refused request handed out codes: %v", set.codes)
					}
				case set.err != nil:
					t.Fatal(set.err)
				default:
					handed++
				}
			}
			if handed == 0 {
				t.Fatal("neither request made a set")
			}
			// The store keeps the live set's record and its codes,
			// nothing of a set nobody holds.
			if got, want := st.recoveryKeys(), 1+auth.RecoveryCodeCount; got != want {
				t.Errorf("store holds %d recovery keys, want %d (one set)", got, want)
			}
			for _, set := range [][]string{mine, other} {
				for i, code := range set {
					if _, err := r.Use(ctx, "alice", code); err != nil {
						t.Fatalf("code %d of a set handed out: %v, want it to work", i, err)
					}
				}
			}
		})
	}
}
