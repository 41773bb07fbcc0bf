package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestTOTPConfirmClickedTwiceIsNoWrongCode: the owner double-clicks
// "Confirm" on the authenticator app's setup page, and the browser sends
// the same right code twice; the second arrives while the first is being
// written, its code's time step already claimed by the first. Before,
// the second was counted against the account towards its ban and was
// on the trail as a failed sign-in (totp_replayed). The code is right
// for the secret the page showed, so it guesses at nothing and counts
// against nobody; the page says it was already used (docs/contract.md,
// "Authenticator apps"). Once the secret is the account's app, the
// second asks for a sign-in with it, as after any change of the factors.
func TestTOTPConfirmClickedTwiceIsNoWrongCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// held is the first confirmation's store step the second
		// arrives during.
		held func(op, key string) bool
		// written says the first's secret is the account's app then.
		written bool
	}{
		{"before the app is written", func(op, key string) bool {
			return op == "cas" && strings.HasPrefix(key, "totp:") && !strings.HasSuffix(key, ":p")
		}, false},
		{"once the app is written", func(op, key string) bool {
			return op == "delete" && strings.HasPrefix(key, "totp:") && strings.HasSuffix(key, ":p")
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, h := newHeldHarness(t, withAccounts, withTOTP)
			c := h.newClient(t)
			c.signIn(crmHost, bob)
			r := c.api(authHost, "totp-app", map[string]string{})
			r.wantStatus(t, http.StatusOK)
			secret, _ := r.jsonMap(t)["secret"].(string)
			confirm := url.Values{"code": {appCodeAt(t, secret, h.clock.Now())}}

			st.arm(tc.held)
			firstDone := make(chan reply, 1)
			go func() { firstDone <- c.form(authHost, "/account/totp/confirm", confirm) }()
			first, second := whileHeld(t, st, firstDone, func() reply {
				return c.form(authHost, "/account/totp/confirm", confirm)
			})

			first.wantStatus(t, http.StatusSeeOther)
			if body := string(second.body); strings.Contains(body, "Too many") || second.status == http.StatusTooManyRequests {
				t.Errorf("the second click: %d %s", second.status, body)
			}
			if tc.written {
				// The account has an app now, which this session has
				// not proved: sign in with it (as after any change of
				// the factors), no wrong code said.
				second.wantStatus(t, http.StatusSeeOther)
				if loc := second.header.Get("Location"); !strings.Contains(loc, "/login?") {
					t.Errorf("the second click, once the app was the account's, went to %q", loc)
				}
			} else if second.status != http.StatusUnauthorized || !strings.Contains(string(second.body), "already used") {
				t.Errorf("the second click, its step used by the first: %d %s", second.status, second.body)
			}
			recs, _, err := h.auditPage(t, "login_failed")
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range recs {
				if rec.User == bob.name {
					t.Errorf("bob's own double click is a failed sign-in on the trail: %+v", rec)
				}
			}
		})
	}
}
