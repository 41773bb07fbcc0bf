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

// TestProofsStayWithTheirAccount: a browser that proved alice's password
// and then signs in as bob with a code alone holds bob's text code only:
// alice's password is no proof of bob's, so bob's two-factor route asks
// for a password, and the browser is no longer alice's; alice's password
// again makes it alice's, without bob's code (docs/contract.md,
// "Policies").
func TestProofsStayWithTheirAccount(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.login(appHost, alice).wantStatus(t, http.StatusOK) // a password route: pwd only
	c.api(smsHost, "sms/start", map[string]string{"phone": bob.phone}).wantStatus(t, http.StatusOK)
	c.api(smsHost, "otp", map[string]string{"code": h.sms.code(t, bob.phone)}).wantStatus(t, http.StatusOK)
	c.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required")
	if r := c.get(appHost, "/"); r.status == http.StatusOK {
		t.Errorf("bob's code-only session passed alice's password route")
	}

	// Then the right password of alice, in the same browser: alice's
	// session, without bob's code.
	c.login(appHost, alice).wantStatus(t, http.StatusOK)
	c.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required")
	c.get(appHost, "/").wantStatus(t, http.StatusOK)
	if got := h.up.last(t).Header.Get(h.cfg.Identity.Headers.User); got != alice.name {
		t.Errorf("alice's password reached the app as %q", got)
	}
}
