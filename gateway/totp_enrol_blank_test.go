package gateway_test

import (
	"net/http"
	"testing"
)

// TestTOTPConfirmWithABlankCodeKeepsTheSecret: a client of the JSON API
// shows the authenticator app's secret (POST /api/totp-app {}), its
// person scans it, and presses Confirm with the code field still empty
// (or filled with what is no code: spaces, a fullwidth paste). That is
// 400 invalid_input, as a blank code is everywhere, and the secret
// scanned is still the one to confirm: its code sets the app up. Before,
// {"code":""} started a new enrolment: a new secret replaced the one in
// the person's app, whose every code was then refused as a wrong one
// and counted against the account (docs/contract.md, "Authenticator
// apps", "Login flows").
func TestTOTPConfirmWithABlankCodeKeepsTheSecret(t *testing.T) {
	t.Parallel()
	for name, code := range map[string]string{
		"empty":     "",
		"spaces":    "   ",
		"fullwidth": "１２３４５６",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withTOTP)
			c := h.newClient(t)
			c.signIn(crmHost, alice)
			r := c.api(authHost, "totp-app", map[string]string{})
			r.wantStatus(t, http.StatusOK)
			secret, _ := r.jsonMap(t)["secret"].(string)

			blank := c.api(authHost, "totp-app", map[string]string{"code": code})
			blank.wantError(t, http.StatusBadRequest, "invalid_input")
			if _, shown := blank.jsonMap(t)["secret"]; shown {
				t.Errorf("a blank code was answered with a secret: %s", blank.body)
			}
			c.api(authHost, "totp-app", map[string]string{"code": appCodeAt(t, secret, h.clock.Now())}).wantStatus(t, http.StatusOK)
			c.api(authHost, "totp-app", map[string]string{}).wantError(t, http.StatusConflict, "totp_enrolled")
		})
	}
}
