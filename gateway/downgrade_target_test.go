package gateway_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestForceTwoFactorAsksTheCodeWhateverTheTarget: carol's account is
// force_two_factor, so her password alone completes no sign-in,
// wherever it is for: a target of public routes only (a bypass route, by
// rd or as the host's home) or a deny route is asked what no target
// asks, her text code (docs/contract.md, "Policies"). Before, such a
// target asked nothing after the password: the sign-in was complete
// with it alone, gave the browser a known-device cookie for her account
// and ended the account's run of failures towards a lock.
func TestForceTwoFactorAsksTheCodeWhateverTheTarget(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range []struct{ name, host, rd string }{
		{"bypass host, no rd", publicHost, ""},
		{"rd to a bypass route", appHost, "https://" + publicHost + "/page"},
		{"rd to a deny route", appHost, "https://" + appHost + "/blocked/x"},
		{"rd to a bypassed path", appHost, "https://" + appHost + "/static/app.css"},
	} {
		c := h.newClient(t)
		path := "login"
		if tc.rd != "" {
			path += "?rd=" + url.QueryEscape(tc.rd)
		}
		r := c.api(tc.host, path, map[string]any{"username": carol.name, "password": carol.password})
		r.wantStatus(t, http.StatusOK)
		if got := r.jsonMap(t)["status"]; got != "otp_required" {
			t.Errorf("%s: carol's password alone: status %v, want otp_required", tc.name, got)
		}
		if r.setCookie(h.deviceCookieName()) != nil {
			t.Errorf("%s: carol's password alone gave a known-device cookie", tc.name)
		}
	}
}
