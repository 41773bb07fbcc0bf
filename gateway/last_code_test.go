package gateway_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestLastWrongCodeCounts: the wrong code that uses up a challenge's
// attempts (answered 410 code_expired) is a guess like the ones before it
// and counts against the account and the client (docs/contract.md,
// "Regulation"). Before, only the wrong codes answered 401 were counted:
// each challenge gave otp.max_attempts guesses for max_attempts-1
// failures, so a ban came a guess late and the account lock after 125
// guesses instead of 100.
func TestLastWrongCodeCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// start sends a code to bob's phone for c; guess submits one code.
		start func(t *testing.T, h *harness, c *client)
		guess func(c *client, code string) reply
	}{
		{"code after the password", func(t *testing.T, h *harness, c *client) {
			c.login(crmHost, bob).wantStatus(t, http.StatusOK)
		}, func(c *client, code string) reply {
			return c.api(crmHost, "otp", map[string]string{"code": code})
		}},
		{"passwordless code", func(t *testing.T, h *harness, c *client) {
			c.api(smsHost, "sms/start", map[string]string{"phone": bob.phone}).wantStatus(t, http.StatusOK)
		}, func(c *client, code string) reply {
			return c.api(smsHost, "otp", map[string]string{"code": code})
		}},
		{"reset code", func(t *testing.T, h *harness, c *client) {
			c.api(appHost, "reset", map[string]string{"username": "bob"}).wantStatus(t, http.StatusOK)
		}, func(c *client, code string) reply {
			return c.api(appHost, "reset", map[string]string{"username": "bob", "code": code, "password": "a brand new passphrase"})
		}},
		{"phone change code", func(t *testing.T, h *harness, c *client) {
			c.signIn(crmHost, bob)
			c.form(authHost, "/account/phone", url.Values{"phone": {"+12015550178"}}).wantStatus(t, http.StatusSeeOther)
		}, func(c *client, code string) reply {
			return c.form(authHost, "/account/phone/verify", url.Values{"code": {code}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts)
			if h.cfg.OTP.MaxAttempts != h.cfg.Regulation.MaxFailures {
				t.Fatalf("the test needs otp.max_attempts (%d) = regulation.max_failures (%d)", h.cfg.OTP.MaxAttempts, h.cfg.Regulation.MaxFailures)
			}
			c := h.newClient(t)
			tt.start(t, h, c)
			msgs := h.sms.messages(t)
			code := h.sms.code(t, msgs[len(msgs)-1].To)
			for i := 1; i <= h.cfg.OTP.MaxAttempts; i++ {
				r := tt.guess(c, wrongCode(code, i))
				if r.status == http.StatusOK || r.status == http.StatusSeeOther || r.status == http.StatusTooManyRequests {
					t.Fatalf("wrong code %d: %d %s", i, r.status, r.body)
				}
			}
			// max_failures wrong codes: bob is banned, even with the
			// right password, from any address.
			h.loginFrom(t, "203.0.113.77", "bob", bob.password).wantError(t, http.StatusTooManyRequests, "banned")
		})
	}
}
