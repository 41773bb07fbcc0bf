package auth_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// leaseTTL is the TTL of the locks these tests take.
const leaseTTL = 500 * time.Millisecond

// TestStoreLockIsKeptWhileItsHolderIsAlive: a change holding a store
// lock runs for longer than the lock's TTL (a slow store, a long delete)
// while another waits for the lock. Before, the lock lapsed after its
// TTL and the second ran alongside the first (two administrators could
// then take each other out, two sets of recovery codes both survive).
// Now the holder's lock is renewed while it is held: the second waits
// across several TTLs, the first's writes are made, and the second
// takes the lock at once when the first releases it (docs/contract.md,
// "Store locks are leases").
func TestStoreLockIsKeptWhileItsHolderIsAlive(t *testing.T) {
	for _, tc := range []struct {
		name string
		held time.Duration // how long the first holder works
	}{
		{"within its TTL", leaseTTL / 2},
		{"across four TTLs", 4 * leaseTTL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			st := memstore.New(auth.SystemClock{})
			first, work, err := auth.StoreLockForTest(ctx, st, "lock", leaseTTL, 0)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			for time.Since(start) < tc.held {
				second, _, err := auth.StoreLockForTest(ctx, st, "lock", leaseTTL, 0)
				if err == nil {
					second.Release()
					t.Fatalf("a second holder took the lock %v after the first, which still held it (ttl %v)", time.Since(start).Round(time.Millisecond), leaseTTL)
				}
				if !errors.Is(err, auth.ErrLockBusyForTest) {
					t.Fatalf("a second holder: %v, want it busy", err)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := work.Err(); err != nil {
				t.Fatalf("the first holder's work was cancelled while it held the lock: %v (%v)", err, context.Cause(work))
			}
			if err := first.Write(work, func(ctx context.Context) error { return st.Set(ctx, "guarded", []byte("first"), time.Minute) }); err != nil {
				t.Fatalf("the first holder's write: %v, want it made", err)
			}
			first.Release()
			if work.Err() == nil {
				t.Error("the first holder's work goes on after its release")
			}
			second, _, err := auth.StoreLockForTest(ctx, st, "lock", leaseTTL, 0)
			if err != nil {
				t.Fatalf("once the first released it: %v, want the lock at once", err)
			}
			second.Release()
		})
	}
}

// TestStoreLockLostWritesNothing: a holder stops renewing its lock past
// the lock's TTL (its process paused, its store out of reach), and the
// lock lapses in the store; another holder may take it meanwhile. When
// the first goes on, its work has been cancelled (cause ErrLockLost),
// and its write is refused, nothing written, even once the store answers
// again and finds the lock free; the next holder's lock is left to it
// (docs/contract.md, "Store locks are leases").
func TestStoreLockLostWritesNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		// down: the first holder's store fails its renewals instead of
		// holding them.
		down bool
		// taken: another holder takes the lock while the first is away.
		taken bool
	}{
		{"paused while another took it", false, true},
		{"paused, nobody took it", false, false},
		{"store out of reach, nobody took it", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			mem := memstore.New(auth.SystemClock{})
			st := &pausedStore{Store: mem}
			first, work, err := auth.StoreLockForTest(ctx, st, "lock", leaseTTL, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer first.Release()
			st.pause(tc.down)
			time.Sleep(leaseTTL + leaseTTL/2) // past the TTL: lapsed in the store
			var second *auth.Lease
			if tc.taken {
				second, _, err = auth.StoreLockForTest(ctx, mem, "lock", leaseTTL, 0)
				if err != nil {
					t.Fatalf("another holder, once the lock lapsed: %v, want it", err)
				}
				defer second.Release()
			}
			select {
			case <-work.Done(): // at the TTL, its renewal held up or failing
			case <-time.After(leaseTTL):
				t.Error("the first holder's work goes on past its lock's TTL without a renewal")
			}
			st.resume()
			err = first.Write(work, func(ctx context.Context) error { return st.Set(ctx, "guarded", []byte("first"), time.Minute) })
			if !errors.Is(err, auth.ErrLockLost) || !errors.Is(err, auth.ErrLockBusyForTest) {
				t.Errorf("the first holder's write once it went on: %v, want ErrLockLost with the lock's busy error", err)
			}
			if _, err := mem.Get(ctx, "guarded"); !errors.Is(err, auth.ErrNotFound) {
				t.Errorf("the first holder's write landed (Get: %v), its lock lost", err)
			}
			if cause := context.Cause(work); !errors.Is(cause, auth.ErrLockLost) {
				t.Errorf("the first holder's work was cancelled by %v, want ErrLockLost", cause)
			}
			first.Release()
			if tc.taken {
				if third, _, err := auth.StoreLockForTest(ctx, mem, "lock", leaseTTL, 0); err == nil {
					third.Release()
					t.Error("the first holder's release freed the second's lock")
				}
			}
		})
	}
}

// TestStoreLockWriteHeldUpIsNotSent: on Redis, a write the lock guards
// that is held up after the lock's confirmation (a process paused
// between the two) for two thirds of the lock's TTL is never sent, as
// the lock may be another's by then; one made at once is
// (docs/contract.md, "Store locks are leases").
func TestStoreLockWriteHeldUpIsNotSent(t *testing.T) {
	client, err := redisstore.NewClient(config.Redis{Addrs: []string{testredis.Start(t)}, OpTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	for i, tc := range []struct {
		name    string
		heldUp  time.Duration
		written bool
	}{
		{"made at once", 0, true},
		{"held up past its deadline", leaseTTL*2/3 + 50*time.Millisecond, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			st := redisstore.New(client, fmt.Sprintf("lease%d:", i), time.Second)
			lease, work, err := auth.StoreLockForTest(ctx, st, "lock", leaseTTL, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer lease.Release()
			err = lease.Write(work, func(ctx context.Context) error {
				time.Sleep(tc.heldUp)
				return st.Set(ctx, "guarded", []byte("v"), time.Minute)
			})
			_, gerr := st.Get(ctx, "guarded")
			if got := gerr == nil; got != tc.written || (err == nil) != tc.written {
				t.Errorf("the write: %v, and it was written: %v (%v); want written %v", err, got, gerr, tc.written)
			}
		})
	}
}

// pausedStore is a store whose compare-and-swaps (a lock's renewals)
// are held while paused, as a paused process's would be, or fail, as a
// store out of reach does.
type pausedStore struct {
	*memstore.Store
	mu      sync.Mutex
	down    bool
	resumed chan struct{} // nil: not paused
}

func (s *pausedStore) pause(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down, s.resumed = down, make(chan struct{})
}

func (s *pausedStore) resume() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.resumed)
	s.resumed = nil
}

func (s *pausedStore) CompareAndSwap(ctx context.Context, key string, old, v []byte, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	down, resumed := s.down, s.resumed
	s.mu.Unlock()
	if resumed != nil {
		if down {
			return false, fmt.Errorf("paused store: %w", auth.ErrStoreUnavailable)
		}
		<-resumed
	}
	return s.Store.CompareAndSwap(ctx, key, old, v, ttl)
}
