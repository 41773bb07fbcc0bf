package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestAccountPageNeedsEveryProof: a session that proved only the password
// of an account with a phone cannot open the account page, nor move the
// phone to another number (which would then pass two_factor routes); a
// two-factor session can, but only with proofs no older than ten minutes
// (NIST SP 800-63B §6.1.2.3: a new authenticator needs the existing ones).
func TestAccountPageNeedsEveryProof(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	const attacker = "+12015550166"
	toLogin := func(t *testing.T, r reply, confirm bool) {
		t.Helper()
		loc := r.header.Get("Location")
		if r.status != http.StatusSeeOther || !strings.Contains(loc, prefix+"/login?rd=") {
			t.Fatalf("%d %s, want a redirect to the login page", r.status, loc)
		}
		if got := strings.Contains(loc, url.QueryEscape("confirm=1")); got != confirm {
			t.Fatalf("redirect %s: asks for fresh proofs %t, want %t", loc, got, confirm)
		}
	}

	t.Run("password only", func(t *testing.T) {
		c := h.newClient(t)
		c.signIn(appHost, alice) // a password route: no code asked
		toLogin(t, c.browse(authHost, prefix+"/account"), false)
		toLogin(t, c.form(authHost, "/account/phone", url.Values{"phone": {attacker}}), false)
		for _, m := range h.sms.messages(t) {
			if m.To == attacker {
				t.Fatalf("a code was sent to the new number %s", attacker)
			}
		}
		// The login page asks for the missing code, not for nothing.
		if p := c.browse(appHost, prefix+"/login?rd="+url.QueryEscape(prefix+"/account")); p.status != http.StatusOK || !strings.Contains(string(p.body), "code") {
			t.Fatalf("step-up page: %d", p.status)
		}
	})

	t.Run("two factors, stale", func(t *testing.T) {
		c := h.newClient(t)
		c.signIn(crmHost, alice)
		c.browse(authHost, prefix+"/account").wantStatus(t, http.StatusOK)
		h.clock.Advance(11 * time.Minute)
		toLogin(t, c.form(authHost, "/account/phone", url.Values{"phone": {attacker}}), true)
		for _, m := range h.sms.messages(t) {
			if m.To == attacker {
				t.Fatalf("a code was sent to the new number with proofs 11 minutes old")
			}
		}
	})

	t.Run("two factors, fresh", func(t *testing.T) {
		c := h.newClient(t)
		c.signIn(crmHost, alice)
		c.form(authHost, "/account/phone", url.Values{"phone": {attacker}}).wantStatus(t, http.StatusSeeOther)
		h.sms.code(t, attacker)
	})
}
