package gateway_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

// TestLastAdminHoldsAgainstTwoAdministratorsAtOnce: alice and bob are the
// only administrators, and each takes the other out at the same moment
// (disable, delete, or a group change without admins). Each request
// checked that another enabled administrator was left, then wrote:
// before, both checks passed before either write landed, both answered
// 200, and nobody could use the console any more. Now the second is
// refused with 409 last_admin, and an administrator is left
// (docs/contract.md, "Admin console").
func TestLastAdminHoldsAgainstTwoAdministratorsAtOnce(t *testing.T) {
	t.Parallel()
	bobsRecord := func(op, key string) bool { return op == "cas" && key == storeusers.RecordKeyPrefix+"bob" }
	for _, tc := range []struct {
		action string
		body   map[string]any
		// held is alice's first write once her check is done.
		held func(op, key string) bool
	}{
		{"disable", map[string]any{}, bobsRecord},
		{"delete", map[string]any{}, func(op, _ string) bool { return op == "delete" }}, // bob's sessions first
		{"groups", map[string]any{"groups": []string{"staff"}}, bobsRecord},
	} {
		t.Run(tc.action, func(t *testing.T) {
			t.Parallel()
			st, h := newHeldHarness(t, withAccounts)
			aliceC, bobC := twoAdmins(t, h)

			// alice's change of bob is held at its write, its check done.
			st.arm(tc.held)
			aliceDone := make(chan reply, 1)
			go func() { aliceDone <- aliceC.api(authHost, "admin/users/bob/"+tc.action, tc.body) }()
			// bob's change of alice meanwhile.
			aliceR, bobR := whileHeld(t, st, aliceDone, func() reply {
				return bobC.api(authHost, "admin/users/alice/"+tc.action, tc.body)
			})

			if aliceR.status == http.StatusOK && bobR.status == http.StatusOK {
				t.Errorf("both administrators took each other out: alice %d, bob %d", aliceR.status, bobR.status)
			}
			aliceR.wantStatus(t, http.StatusOK)
			bobR.wantError(t, http.StatusConflict, "last_admin")
			// alice is still an administrator, and uses the console.
			again := h.newClient(t)
			again.signIn(crmHost, alice)
			consoleGet(again, "users").wantStatus(t, http.StatusOK)
		})
	}
}

// twoAdmins makes bob an administrator beside alice and signs both in.
func twoAdmins(t *testing.T, h *harness) (aliceC, bobC *client) {
	t.Helper()
	if err := h.users.SetGroups(context.Background(), "bob", []string{"staff", "admins"}); err != nil {
		t.Fatal(err)
	}
	aliceC = h.newClient(t)
	aliceC.signIn(crmHost, alice)
	bobC = h.newClient(t)
	bobC.signIn(crmHost, bob)
	return aliceC, bobC
}

// whileHeld waits for the first change (its answer to come on first) to
// be held at its write by st, makes the second meanwhile, and lets the
// first go once the second is answered, or after 500 ms when the second
// waits for the first (as a lock makes it). It returns both answers.
func whileHeld(t *testing.T, st *heldStore, first <-chan reply, second func() reply) (firstR, secondR reply) {
	t.Helper()
	select {
	case <-st.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the first change never reached its write")
	}
	done := make(chan reply, 1)
	go func() { done <- second() }()
	select {
	case secondR = <-done: // made at once: nothing held it back
		close(st.release)
	case <-time.After(500 * time.Millisecond):
		close(st.release)
		secondR = <-done
	}
	return <-first, secondR
}
