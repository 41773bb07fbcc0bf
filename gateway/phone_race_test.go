package gateway_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestPhoneChangeInFlightUndoesNoRecovery: a thief who holds a fresh
// session of bob's starts moving the account to a number of their own
// and types its code; while the code is being checked (a round trip to
// the store, or to Twilio Verify or Sinch), the owner takes the account
// back (a password reset, or an administrator ending every session).
// Before, the move went on once the code checked: the account's number
// became the thief's after the recovery, so the next reset code, sign-in
// code and step-up went to the thief. A phone change is made only while
// the session that asked for it is still alive under the credentials it
// was checked against (docs/contract.md, "Sessions end when credentials
// change"). The change of the credentials may also land once that was
// checked, in the round trip before the move is written: a move is
// written only while the account's credentials are still those it was
// checked against, decided with the write. Before, the administrator's
// clearing of the number, or the owner's reset, landing there was
// undone: the thief's number was written over it, and the thief's
// session carried into the new credentials.
func TestPhoneChangeInFlightUndoesNoRecovery(t *testing.T) {
	t.Parallel()
	const thiefNumber = "+12015550188"
	// Held where the code, checked, is spent; or, the session checked
	// still signed in, where the move claims the new number.
	atCheck := func(op, key string) bool {
		return op == "delete" && strings.Contains(key, "otp:{") && strings.HasSuffix(key, "}:c")
	}
	atWrite := func(op, key string) bool { return op == "setnx" && strings.HasSuffix(key, thiefNumber) }
	ownerResets := func(t *testing.T, h *harness) {
		codes, err := h.recovery.Generate(context.Background(), bob.name)
		if err != nil {
			t.Fatal(err)
		}
		owner := h.newClient(t)
		owner.api(authHost, "reset", map[string]string{"username": bob.name}).wantStatus(t, http.StatusOK)
		owner.api(authHost, "reset", map[string]string{"username": bob.name, "code": h.sms.code(t, bob.phone),
			"password": "the owner's fresh choice", "recovery_code": codes[0]}).wantStatus(t, http.StatusOK)
	}
	for _, tc := range []struct {
		name    string
		hold    func(op, key string) bool
		recover func(t *testing.T, h *harness)
		phone   string // bob's number after the recovery
	}{
		{"owner resets the password", atCheck, ownerResets, bob.phone},
		{"administrator ends every session", atCheck, func(t *testing.T, h *harness) {
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			admin.api(authHost, "admin/users/bob/revoke", map[string]any{}).wantStatus(t, http.StatusOK)
		}, bob.phone},
		{"owner resets the password before the write", atWrite, ownerResets, bob.phone},
		{"administrator clears the number before the write", atWrite, func(t *testing.T, h *harness) {
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			admin.api(authHost, "admin/users/bob/reset-phone", map[string]any{}).wantStatus(t, http.StatusOK)
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, h := newHeldHarness(t, withAccounts)
			thief := h.newClient(t)
			thief.signIn(crmHost, bob)
			thief.form(authHost, "/account/phone", url.Values{"phone": {thiefNumber}}).wantStatus(t, http.StatusSeeOther)
			vals := url.Values{"code": {h.sms.code(t, thiefNumber)}, "csrf": {thief.csrfToken(authHost)}}

			st.arm(tc.hold)
			done := make(chan reply, 1)
			go func() { done <- thief.formRaw(authHost, "/account/phone/verify", vals) }()
			select {
			case <-st.entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the phone change never reached its code's check")
			}
			tc.recover(t, h)
			close(st.release)
			var r reply
			select {
			case r = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the phone change never answered")
			}
			if loc := r.header.Get("Location"); r.status == http.StatusSeeOther && strings.Contains(loc, "done=phone") {
				t.Errorf("the thief's phone change in flight was made after the recovery: %d %s", r.status, loc)
			}
			u, err := h.users.Lookup(context.Background(), bob.name)
			if err != nil {
				t.Fatal(err)
			}
			if u.Phone != tc.phone {
				t.Errorf("bob's number is %q after the recovery, want %q", u.Phone, tc.phone)
			}
			if got := thief.browse(authHost, prefix+"/account"); got.status == http.StatusOK {
				t.Errorf("the thief's session is alive after the recovery (account page 200)")
			}
			before := textsTo(t, h, thiefNumber)
			h.newClient(t).api(authHost, "reset", map[string]string{"username": bob.name}).wantStatus(t, http.StatusOK)
			if after := textsTo(t, h, thiefNumber); after != before {
				t.Errorf("a reset code of bob's went to the thief's number")
			}
		})
	}
}

// textsTo counts the text messages sent to phone so far.
func textsTo(t *testing.T, h *harness, phone string) int {
	t.Helper()
	n := 0
	for _, m := range h.sms.messages(t) {
		if m.To == phone {
			n++
		}
	}
	return n
}
