package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// TestALateReleaseLeavesTheNextHoldersLock: a change of an administrator
// holds the admins' lock past its 30 s (a slow delete, a paused process)
// and a second change, on another replica, takes the lock once it
// expired. The first one's release, late, must not free the second's
// lock: a third change would then run its last-administrator check
// alongside the second's, and two administrators taking each other out
// could both pass it (docs/contract.md, "Admin console"). Before, the
// release was a plain delete of the lock's key, whoever held it: the
// third took the lock at once. A holder that releases in time frees it
// for the next at once, as before.
func TestALateReleaseLeavesTheNextHoldersLock(t *testing.T) {
	for _, tc := range []struct {
		name string
		// held is how long the first holder keeps the lock (its ttl is
		// 30 s).
		held time.Duration
	}{
		{"released in time", time.Second},
		{"released after its ttl", 31 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			clock := storetest.NewClock(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC))
			st := memstore.New(clock)
			first, _, err := auth.LockAdmins(ctx, st)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(tc.held)
			if tc.held < 30*time.Second {
				first.Release()
			}
			second, _, err := auth.LockAdmins(ctx, st)
			if err != nil {
				t.Fatalf("the second change: %v, want the lock (its first holder released it or outlived it)", err)
			}
			if tc.held >= 30*time.Second {
				first.Release() // late: the lock is the second's now
			}
			short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel()
			third, _, err := auth.LockAdmins(short, st)
			if err == nil {
				third.Release()
				t.Fatal("a third change took the admins' lock while the second held it")
			}
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, auth.ErrAdminsBusy) {
				t.Fatalf("the third change: %v, want it to wait for the lock", err)
			}
			second.Release()
			third, _, err = auth.LockAdmins(ctx, st)
			if err != nil {
				t.Fatalf("once the second released it: %v, want the lock", err)
			}
			third.Release()
		})
	}
}
