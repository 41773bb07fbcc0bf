package gateway_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

// TestOnlyAdministratorsWhoCanSignInKeepTheConsole: alice is the only
// member of admins with a password; beside her in the group is an
// account nobody can sign in to yet (erin, created by the console with
// admins, whose set-password link was never used; or bob, whose password
// an administrator ended). Before, such an account counted as an
// administrator: alice disabled, deleted or ungrouped herself (200) and
// nobody could sign in to the console. Now each is 409 last_admin, and
// so is ending her own password, as long as she is the last who can
// sign in; once erin has set his password, she may go
// (docs/contract.md, "Admin console").
func TestOnlyAdministratorsWhoCanSignInKeepTheConsole(t *testing.T) {
	t.Parallel()
	actions := []struct {
		action string
		body   map[string]any
	}{
		{"disable", map[string]any{}},
		{"delete", map[string]any{}},
		{"groups", map[string]any{"groups": []string{"staff"}}},
		{"force-reset", map[string]any{}},
	}
	for _, other := range []string{"invited", "password ended"} {
		for _, tc := range actions {
			t.Run(other+"/"+tc.action, func(t *testing.T) {
				t.Parallel()
				h := newHarness(t, withAccounts)
				admin := h.newClient(t)
				admin.signIn(crmHost, alice)
				if other == "invited" {
					admin.api(authHost, "admin/users", map[string]any{"username": "erin", "email": "erin@example.com", "groups": []string{"admins"}}).wantStatus(t, http.StatusCreated)
				} else {
					admin.api(authHost, "admin/users/bob/groups", map[string]any{"groups": []string{"staff", "admins"}}).wantStatus(t, http.StatusOK)
					admin.api(authHost, "admin/users/bob/force-reset", map[string]any{}).wantStatus(t, http.StatusOK)
				}

				admin.api(authHost, "admin/users/alice/"+tc.action, tc.body).wantError(t, http.StatusConflict, "last_admin")
				again := h.newClient(t)
				again.signIn(crmHost, alice)
				consoleGet(again, "users").wantStatus(t, http.StatusOK)
			})
		}
	}
	t.Run("once the other can sign in", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, withAccounts)
		admin := h.newClient(t)
		admin.signIn(crmHost, alice)
		r := admin.api(authHost, "admin/users", map[string]any{"username": "erin", "email": "erin@example.com", "groups": []string{"admins"}})
		r.wantStatus(t, http.StatusCreated)
		h.newClient(t).api(appHost, "reset", map[string]string{"token": linkToken(t, r), "password": "erin-new-and-long"}).wantStatus(t, http.StatusOK)
		admin.api(authHost, "admin/users/alice/disable", map[string]any{}).wantStatus(t, http.StatusOK)
	})
}

// TestForcedResetAndDisableAtOnceLeaveAnAdministrator: alice and bob are
// the only administrators; alice ends bob's password while bob disables
// alice, at the same moment. Before, the forced reset took no lock and
// made no check: bob's disable found bob still able to sign in, both
// answered 200, and nobody could sign in to the console. Now the second
// is refused with 409 last_admin (docs/contract.md, "Admin console").
func TestForcedResetAndDisableAtOnceLeaveAnAdministrator(t *testing.T) {
	t.Parallel()
	st, h := newHeldHarness(t, withAccounts)
	aliceC, bobC := twoAdmins(t, h)

	// alice's forced reset of bob is held at its write of bob's record.
	st.arm(func(op, key string) bool { return op == "cas" && key == storeusers.RecordKeyPrefix+"bob" })
	aliceDone := make(chan reply, 1)
	go func() { aliceDone <- aliceC.api(authHost, "admin/users/bob/force-reset", map[string]any{}) }()
	aliceR, bobR := whileHeld(t, st, aliceDone, func() reply {
		return bobC.api(authHost, "admin/users/alice/disable", map[string]any{})
	})

	if aliceR.status == http.StatusOK && bobR.status == http.StatusOK {
		t.Errorf("both answered 200: alice disabled, bob without a password")
	}
	aliceR.wantStatus(t, http.StatusOK)
	bobR.wantError(t, http.StatusConflict, "last_admin")
	again := h.newClient(t)
	again.signIn(crmHost, alice)
	consoleGet(again, "users").wantStatus(t, http.StatusOK)
}
