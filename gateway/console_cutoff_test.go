package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestConsoleRemovalCutOffHalfWayIsOnTheTrail: an administrator's
// removal of an account's authenticator app or passkey, and the delete of
// an account, remove the factor first and then end sessions (and, for
// the delete, remove the rest and the record). When the store failed
// over in between (or, on Redis, the client hung up there, which ends the
// request's context), the factor was gone for good and the request
// answered an error, but nothing was recorded: the console's history of
// the account showed no admin_totp_removed, admin_passkey_removed or
// admin_user_deleted. A thief with an administrator's session stripped
// an account's second factors off the record. Each is now on the trail
// once its removal is written, with the failure as its reason
// (docs/contract.md, "Audit trail").
func TestConsoleRemovalCutOffHalfWayIsOnTheTrail(t *testing.T) {
	t.Parallel()
	// totpRecord is the Delete of an account's app (totp:HASH), not of
	// its enrolment in progress (totp:HASH:p).
	totpRecord := func(k string) bool { return strings.HasPrefix(k, "totp:") && !strings.Contains(k[len("totp:"):], ":") }
	// passkeyHandle is the last Delete of a passkey record emptied.
	passkeyHandle := func(k string) bool { return strings.HasPrefix(k, "pk:h:") }
	for _, tc := range []struct {
		name, event string
		factor      func(t *testing.T, h *harness, owner *client) url.Values // sets bob's factor up; the form's fields
		action      string
		cut         func(string) bool
		gone        string // the method no longer listed
	}{
		{"authenticator app removed", "admin_totp_removed", func(t *testing.T, h *harness, owner *client) url.Values {
			enrolApp(t, h, owner)
			return url.Values{}
		}, "remove-totp", totpRecord, "otp"},
		{"passkey removed", "admin_passkey_removed", func(t *testing.T, h *harness, owner *client) url.Values {
			registerPasskey(t, owner, "Work laptop")
			return url.Values{"id": {methodID(t, h, "hwk")}}
		}, "remove-passkey", passkeyHandle, "hwk"},
		{"account deleted", "admin_user_deleted", func(t *testing.T, h *harness, owner *client) url.Values {
			enrolApp(t, h, owner)
			return url.Values{"confirm": {"bob"}}
		}, "delete", totpRecord, "otp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts, withTOTP, withPasskeys)
			owner := h.newClient(t)
			owner.signIn(crmHost, bob)
			vals := tc.factor(t, h, owner)
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			vals.Set("csrf", admin.csrfToken(authHost))

			cut := tc.cut
			h.store.downAfterDelete.Store(&cut)
			r := admin.formRaw(authHost, "/admin/users/bob/"+tc.action, vals)
			h.store.downAfterDelete.Store(nil)
			h.store.down.Store(false)
			if r.status < 500 {
				t.Fatalf("the removal cut off half-way answered %d; the store went down after it was written", r.status)
			}
			if methodID(t, h, tc.gone) != "" {
				t.Fatalf("bob's %s is still there: nothing was removed, nothing to audit", tc.gone)
			}
			n := 0
			for _, rec := range readTrail(t, admin, "user=bob&class=history") {
				if rec.Event == tc.event && rec.Actor == "alice" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("bob's %s was removed by alice, yet the console's history of bob has %d %s records by her, want 1", tc.gone, n, tc.event)
			}
		})
	}
}

// methodID is the id of bob's sign-in method of kind m as the console
// lists it (a passkey's id; "-" for another kind), or "" when he has none.
func methodID(t *testing.T, h *harness, m string) string {
	t.Helper()
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	r := consoleGet(admin, "users/bob")
	r.wantStatus(t, http.StatusOK)
	var d struct {
		Methods []struct{ Method, ID string } `json:"methods"`
	}
	if err := json.Unmarshal(r.body, &d); err != nil {
		t.Fatal(err)
	}
	for _, x := range d.Methods {
		if x.Method == m {
			if x.ID == "" {
				return "-"
			}
			return x.ID
		}
	}
	return ""
}

// TestConsoleRevocationCutOffHalfWayIsOnTheTrail: an administrator ends
// every session of an account and the store goes down after the first
// is deleted. That session is ended for good, so the console's history
// of the account says so, with the failure as its reason. Before, a
// revocation that failed part-way wrote nothing, though it had signed
// the person out of some of their browsers.
func TestConsoleRevocationCutOffHalfWayIsOnTheTrail(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	laptop, phone := h.newClient(t), h.newClient(t)
	laptop.signIn(crmHost, bob)
	phone.signIn(crmHost, bob)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	vals := url.Values{"csrf": {admin.csrfToken(authHost)}}

	cut := func(k string) bool { return strings.HasPrefix(k, auth.SessionKeyPrefix) }
	h.store.downAfterDelete.Store(&cut)
	r := admin.formRaw(authHost, "/admin/users/bob/revoke", vals)
	h.store.downAfterDelete.Store(nil)
	h.store.down.Store(false)
	if r.status < 500 {
		t.Fatalf("the revocation cut off half-way answered %d; the store went down after a session was deleted", r.status)
	}
	ended := 0
	for _, c := range []*client{laptop, phone} {
		if c.get(crmHost, "/").status == http.StatusUnauthorized {
			ended++
		}
	}
	if ended == 0 {
		t.Fatal("none of bob's sessions ended: nothing to audit")
	}
	n := 0
	for _, rec := range readTrail(t, admin, "user=bob&class=history") {
		if rec.Event == "admin_sessions_revoked" && rec.Actor == "alice" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("alice ended %d of bob's sessions, yet the console's history of bob has %d admin_sessions_revoked records by her, want 1", ended, n)
	}
}
