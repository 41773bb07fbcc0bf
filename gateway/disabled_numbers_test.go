package gateway_test

import (
	"net/http"
	"testing"
)

// TestDisabledNumbersAreBannedLikeAnyOther: the ban that wrong passwords
// typed with a number cause holds code-only sign-ins to that number, and
// the ban that wrong codes of a code-only sign-in cause holds password
// sign-ins with it, alike for a number an enabled account has, one a
// disabled account has and one no account has. Before, a disabled
// account's code-only sign-in counted against the number as typed while
// its password sign-in counted against the account: the one ban did not
// hold the other way in, for a disabled account's number alone, telling
// anyone which numbers belong to a disabled account.
func TestDisabledNumbersAreBannedLikeAnyOther(t *testing.T) {
	t.Parallel()
	numbers := []struct{ name, number string }{
		{"an account has it", bob.phone},
		{"a disabled account has it", dave.phone},
		{"no account has it", "+12015550188"},
	}
	const ip = "198.51.100.7"
	banByPasswords := func(_ *testing.T, h *harness, c *client, number string) {
		for range h.cfg.Regulation.MaxFailures {
			c.apiFrom(ip, appHost, "login", map[string]string{"username": number, "password": "not-the-password"})
		}
	}
	banByCodes := func(t *testing.T, h *harness, c *client, number string) {
		c.apiFrom(ip, smsHost, "sms/start", map[string]string{"phone": number}).wantStatus(t, http.StatusOK)
		wrong := func() reply { return c.apiFrom(ip, smsHost, "otp", map[string]string{"code": "000000"}) }
		for i := 1; i < h.cfg.OTP.MaxAttempts; i++ {
			wrong().wantError(t, http.StatusUnauthorized, "invalid_code")
		}
		h.clock.Advance(h.cfg.OTP.ResendCooldown)
		c.apiFrom(ip, smsHost, "otp/resend", nil).wantStatus(t, http.StatusOK)
		for i := h.cfg.OTP.MaxAttempts - 1; i < h.cfg.Regulation.MaxFailures; i++ {
			wrong().wantError(t, http.StatusUnauthorized, "invalid_code")
		}
		wrong().wantError(t, http.StatusTooManyRequests, "banned")
	}
	for _, tt := range []struct {
		name string
		ban  func(*testing.T, *harness, *client, string)
		try  func(*client, string) reply
	}{
		{"wrong passwords hold code-only sign-ins", banByPasswords, func(c *client, number string) reply {
			return c.apiFrom(ip, smsHost, "sms/start", map[string]string{"phone": number})
		}},
		{"wrong codes hold password sign-ins", banByCodes, func(c *client, number string) reply {
			return c.apiFrom(ip, appHost, "login", map[string]string{"username": number, "password": "not-the-password"})
		}},
	} {
		for _, n := range numbers {
			t.Run(tt.name+"/"+n.name, func(t *testing.T) {
				t.Parallel()
				h := newHarness(t)
				c := h.newClient(t)
				tt.ban(t, h, c, n.number)
				tt.try(h.newClient(t), n.number).wantError(t, http.StatusTooManyRequests, "banned")
			})
		}
	}
}
