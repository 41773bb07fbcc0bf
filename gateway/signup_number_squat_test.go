package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestPendingSignupKeepsNoNumber: a sign-up nobody finished keeps its
// number from nobody (docs/contract.md, "Sign-up"). Before, a pending
// sign-up claimed its number for its three code lifetimes, so an
// outsider who signed up with a stranger's number (its code going to
// the stranger, never typed) kept that number's holder out of their own
// sign-up (a decoy, texted "sign in or reset your password", which named
// no account), out of an administrator's create for them (409 on the
// phone, though no account had it) for fifteen minutes, and again with
// each sign-up every fifteen minutes, for good. Now the number is the
// account's whose code comes back first.
func TestPendingSignupKeepsNoNumber(t *testing.T) {
	t.Parallel()
	const number = "+12015550166"
	for _, tc := range []struct {
		name string
		// owner gets the number for its person while an outsider's
		// sign-up with it is pending, and reports what came back.
		owner func(t *testing.T, h *harness) (int, string)
	}{
		{"the owner's sign-up", func(t *testing.T, h *harness) (int, string) {
			c := h.signupFrom(t, "198.51.100.2", "owner", number)
			body := h.sms.messages(t)[h.sms.count(t)-1].Body
			if !strings.Contains(body, "code is") {
				return 0, "texted " + body
			}
			r := c.apiFrom("198.51.100.2", appHost, "otp", map[string]string{"code": h.sms.code(t, number)})
			return r.status, string(r.body)
		}},
		{"an administrator's create", func(t *testing.T, h *harness) (int, string) {
			body, _ := json.Marshal(map[string]any{"username": "owner", "name": "Owner", "email": "owner@example.org", "phone": number})
			r := h.newClient(t).do(request{method: http.MethodPost, host: authHost, path: prefix + "/api/admin/users",
				body: strings.NewReader(string(body)), contentType: "application/json", accept: "application/json",
				header: http.Header{"Authorization": {"Bearer " + h.adminToken(t, "ops")}}})
			if r.status == http.StatusCreated {
				r.status = http.StatusOK
			}
			return r.status, string(r.body)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts)
			squatter := h.signupFrom(t, "203.0.113.7", "squatter", number)
			squatterCode := h.sms.code(t, number)
			if status, body := tc.owner(t, h); status != http.StatusOK {
				t.Fatalf("with an outsider's sign-up of the number pending: %d %s, want the number given to its person", status, body)
			}
			// The number is the owner's now: the outsider's code, had
			// they got it, activates nothing.
			if r := squatter.apiFrom("203.0.113.7", appHost, "otp", map[string]string{"code": squatterCode}); r.status == http.StatusOK {
				t.Errorf("the pending sign-up's code, typed after the number went to its person: %d %s, want refused", r.status, r.body)
			}
			if r := h.newClient(t).login(appHost, testUser{name: "squatter", password: "a long enough passphrase"}); r.status == http.StatusOK {
				t.Errorf("the outsider's sign-up became an account: %d %s", r.status, r.body)
			}
		})
	}
}

// TestLosingSignupTextsNoCodeToTheNumber: once the number of a pending
// sign-up became another sign-up's account (its code came back first),
// "Send a new code" of the pending one starts a decoy, as a sign-up
// with a number an account has does (docs/contract.md, "Sign-up").
// Before, it texted the account's number a new sign-up code, again at
// each restart, codes that could never activate anything.
func TestLosingSignupTextsNoCodeToTheNumber(t *testing.T) {
	t.Parallel()
	const number = "+12015550167"
	h := newHarness(t, withAccounts)
	squatter := h.signupFrom(t, "203.0.113.7", "squatter", number)
	owner := h.signupFrom(t, "198.51.100.2", "owner", number)
	owner.apiFrom("198.51.100.2", appHost, "otp", map[string]string{"code": h.sms.code(t, number)}).wantStatus(t, http.StatusOK)
	h.clock.Advance(h.cfg.OTP.TTL + time.Second) // the squatter's code died; its sign-up holds its name still
	sent := h.sms.count(t)
	r := squatter.apiFrom("203.0.113.7", appHost, "otp/resend", map[string]string{})
	if r.status != http.StatusOK {
		t.Fatalf("Send a new code: %d %s, want the code page's answer", r.status, r.body)
	}
	if n := h.sms.count(t) - sent; n != 0 {
		t.Errorf("the account's number was texted %d new sign-up codes for another sign-up", n)
	}
}
