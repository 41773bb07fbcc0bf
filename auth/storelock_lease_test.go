package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
)

// leaseTTL is the TTL of the locks these tests take.
const leaseTTL = 300 * time.Millisecond

// TestStoreLockIsKeptWhileItsHolderIsAlive: a change holding a store
// lock runs for longer than the lock's TTL (a slow store, a long delete)
// while another waits for the lock. Before, the lock lapsed after its
// TTL and the second ran alongside the first (two administrators could
// then take each other out, two sets of recovery codes both survive).
// Now the holder's lock is renewed while it is held: the second waits
// across several TTLs, the first's work goes on, and the second
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
