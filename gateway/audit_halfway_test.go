package gateway_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

// TestAChangeCutOffHalfWayIsOnTheTrail: a password change or reset is
// written, and then the request fails: the store fails over before the
// account's other sessions are ended (or the client hangs up there,
// which ends the request's context). The password was changed, yet the
// change was audited only at the very end: the console's history of the
// account showed nothing of it, and the owner's sessions lived on. An
// attacker who took a session over, or reset the password with a
// swapped SIM, and hung up at that moment changed the password unseen.
// An administrator's force-reset or disable was the same: a thief with
// an administrator's session who hung up there acted off the record. A
// change is now on the trail once it is written, whatever fails after.
func TestAChangeCutOffHalfWayIsOnTheTrail(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, event string
		change      func(t *testing.T, h *harness, admin *client) reply // the request cut off after the password is written
	}{
		{"password changed on the account page", "password_changed", func(t *testing.T, h *harness, admin *client) reply {
			c := h.newClient(t)
			c.signIn(authHost, bob)
			csrf := c.csrfToken(authHost)
			cutAfterRecordWrite(h, "bob")
			return c.formRaw(authHost, "/account/password", url.Values{"csrf": {csrf}, "current": {bob.password}, "password": {"a fresh long passphrase"}})
		}},
		{"password reset with a texted code", "password_reset", func(t *testing.T, h *harness, admin *client) reply {
			c := h.newClient(t)
			c.api(appHost, "reset", map[string]string{"username": "bob"}).wantStatus(t, http.StatusOK)
			code := h.sms.code(t, bob.phone)
			cutAfterRecordWrite(h, "bob")
			return c.api(appHost, "reset", map[string]string{"username": "bob", "code": code, "password": "a brand new passphrase"})
		}},
		// An administrator's session in a thief's hands, hanging up as
		// the account is written, acted off the record.
		{"password reset forced by an administrator", "admin_password_reset_forced", func(t *testing.T, h *harness, admin *client) reply {
			cutAfterRecordWrite(h, "bob")
			return admin.api(authHost, "admin/users/bob/force-reset", map[string]string{})
		}},
		{"account disabled by an administrator", "admin_disabled", func(t *testing.T, h *harness, admin *client) reply {
			cutAfterRecordWrite(h, "bob")
			return admin.api(authHost, "admin/users/bob/disable", map[string]string{})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts, resetBySMS)
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			owner := h.newClient(t)
			owner.signIn(appHost, bob)

			r := tc.change(t, h, admin)
			h.store.down.Store(false)
			if r.status < 500 {
				t.Fatalf("the change cut off half-way answered %d %s; the store went down after it was written", r.status, r.body)
			}
			if r := h.newClient(t).login(appHost, bob); r.status == http.StatusOK {
				t.Fatal("bob still signs in with his password: nothing was changed, nothing to audit")
			}
			for _, rec := range readTrail(t, admin, "user=bob&class=history") {
				if rec.Event == tc.event {
					return
				}
			}
			t.Errorf("bob's account was changed, yet the console's history of bob has no %s", tc.event)
		})
	}
}

// cutAfterRecordWrite takes h's store down right after user's account
// record is next written.
func cutAfterRecordWrite(h *harness, user string) {
	key := storeusers.RecordKeyPrefix + user
	h.store.downAfter.Store(&key)
}
