package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

// TestLastAdminHoldsAgainstAChangePausedPastItsLock: alice and bob are
// the only administrators. alice's change taking bob out (disable,
// delete, or a group change without admins) made its last-administrator
// check under the admins' lock, then its process paused (a SIGSTOP, a
// long GC, a slow store) before its first write, past the lock's 30 s.
// bob's change taking alice out then took the lock, found bob left, and
// was made. Before, alice's write landed once she went on, both answered
// 200, and nobody could use the console. Now a change writes only while
// the lock is still its own, confirmed in the store immediately before
// its write: alice's is refused (503 account_busy, nothing changed) and
// bob is left to use the console (docs/contract.md, "Admin console").
func TestLastAdminHoldsAgainstAChangePausedPastItsLock(t *testing.T) {
	t.Parallel()
	// alice's first write after her check, whatever it is: the lock's
	// confirmation, or bob's record (a delete: his sessions first).
	confirmed := func(op, key string) bool { return op == "cas" && key == "admins:lock" }
	bobsRecord := func(op, key string) bool {
		return confirmed(op, key) || op == "cas" && key == storeusers.RecordKeyPrefix+"bob"
	}
	for _, tc := range []struct {
		action  string
		body    map[string]any
		written func(op, key string) bool
	}{
		{"disable", map[string]any{}, bobsRecord},
		{"delete", map[string]any{}, func(op, key string) bool { return confirmed(op, key) || op == "delete" }},
		{"groups", map[string]any{"groups": []string{"staff"}}, bobsRecord},
	} {
		t.Run(tc.action, func(t *testing.T) {
			t.Parallel()
			st, clock, h := newPausedHarness(t, withAccounts)
			aliceC, bobC := twoAdmins(t, h)

			st.arm(tc.written)
			aliceDone := make(chan reply, 1)
			go func() { aliceDone <- aliceC.api(authHost, "admin/users/bob/"+tc.action, tc.body) }()
			select {
			case <-st.entered:
			case <-time.After(10 * time.Second):
				t.Fatal("alice's change never reached its write")
			}
			// alice is paused past the lock's 30 s: it lapses in the store,
			// and bob's change takes it.
			clock.Advance(31 * time.Second)
			bobR := bobC.api(authHost, "admin/users/alice/"+tc.action, tc.body)
			close(st.release)
			aliceR := <-aliceDone

			if aliceR.status == http.StatusOK && bobR.status == http.StatusOK {
				t.Errorf("both administrators took each other out: alice %d, bob %d", aliceR.status, bobR.status)
			}
			bobR.wantStatus(t, http.StatusOK)
			aliceR.wantError(t, http.StatusServiceUnavailable, "account_busy")
			// bob is still an administrator, and uses the console.
			again := h.newClient(t)
			again.signIn(crmHost, bob)
			consoleGet(again, "users").wantStatus(t, http.StatusOK)
		})
	}
}

// newPausedHarness is a harness over a heldStore of its own on a fake
// clock of its own, with opts: a request held there stands for a process
// paused, and the clock moved on for the time it was away, which lapses
// the store locks it held.
func newPausedHarness(t *testing.T, opts ...setup) (*heldStore, *storetest.Clock, *harness) {
	t.Helper()
	clock := storetest.NewClock(time.Now().Truncate(time.Second))
	st := &heldStore{Store: memstore.New(clock)}
	opts = append(opts, setup{store: func(*testing.T) auth.Store { return st }})
	return st, clock, newHarness(t, opts...)
}
