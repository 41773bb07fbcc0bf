package gateway_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

// TestOwnCredentialChangeKeepsTheBrowserKnown: bob changes his password
// or number on the account page, or resets his password, from a browser
// he is signed in on. The change voids every known-device cookie made
// before (docs/contract.md, "Known devices"), but the browser that made
// it stays signed in, and stays a known device: an outsider's ban of the
// name later does not hold bob out of it. Before, the change left the
// browser with a dead cookie, so the first outsider to ban the name kept
// bob out of the very browser he had just secured the account from.
func TestOwnCredentialChangeKeepsTheBrowserKnown(t *testing.T) {
	t.Parallel()
	const newPassword = "a fresh long passphrase"
	tests := []struct {
		name   string
		after  testUser // bob after the change
		change func(t *testing.T, h *harness, c *client)
	}{
		{"password on the account page", testUser{name: bob.name, password: newPassword, phone: bob.phone}, func(t *testing.T, h *harness, c *client) {
			c.form(authHost, "/account/password", url.Values{"current": {bob.password}, "password": {newPassword}}).wantStatus(t, http.StatusSeeOther)
		}},
		{"phone on the account page", testUser{name: bob.name, password: bob.password, phone: "+12015550161"}, func(t *testing.T, h *harness, c *client) {
			c.form(authHost, "/account/phone", url.Values{"phone": {"+1 201 555 0161"}}).wantStatus(t, http.StatusSeeOther)
			c.form(authHost, "/account/phone/verify", url.Values{"code": {h.sms.code(t, "+12015550161")}}).wantStatus(t, http.StatusSeeOther)
		}},
		{"password reset while signed in", testUser{name: bob.name, password: newPassword, phone: bob.phone}, func(t *testing.T, h *harness, c *client) {
			c.api(appHost, "reset", map[string]string{"username": bob.name}).wantStatus(t, http.StatusOK)
			rc, err := h.recovery.Issue(context.Background(), bob.name) // bob signs in with two factors
			if err != nil {
				t.Fatal(err)
			}
			c.api(appHost, "reset", map[string]string{"username": bob.name, "code": h.sms.code(t, bob.phone), "password": newPassword, "recovery_code": rc}).wantStatus(t, http.StatusOK)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts)
			c := h.newClient(t)
			c.signIn(crmHost, bob) // both factors: the account page needs them
			tt.change(t, h, c)
			c.api(crmHost, "logout", nil).wantStatus(t, http.StatusOK)

			outsiderBans(t, h, tt.after)

			if r := c.login(crmHost, tt.after); r.status != http.StatusOK {
				t.Fatalf("bob's own browser, after his change: %d %s, want it known (200)", r.status, r.body)
			}
			c.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, tt.after.phone)}).wantStatus(t, http.StatusOK)
		})
	}
}

// TestTossedDeviceCookieShadowsNone: a sibling subdomain sets a
// known-device cookie of its own (here bob's, its owner's) in alice's
// browser, under a longer path, so that her browser sends it before her
// own; an outsider then bans the name. Her browser is still known: every
// known-device cookie it sends is tried. Before, only the first was read,
// so one tossed cookie was enough to take the known device away and
// leave alice to the outsider's ban.
func TestTossedDeviceCookieShadowsNone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	bobs := h.newClient(t)
	bobs.signIn(crmHost, bob)
	alices := knownBrowser(t, h, alice)

	api := &url.URL{Scheme: "http", Host: crmHost, Path: prefix + "/api/login"}
	alices.jar.SetCookies(api, []*http.Cookie{{Name: h.deviceCookieName(), Value: bobs.deviceCookie(t), Path: prefix + "/api", Domain: cookieDomain}})
	if n := len(alices.jar.Cookies(api)); n < 2 {
		t.Fatalf("alice's browser sends %d cookies to the portal's API: the test shows nothing", n)
	}
	outsiderBans(t, h, alice)

	if r := alices.login(crmHost, alice); r.status != http.StatusOK {
		t.Fatalf("alice's known browser with a tossed cookie: %d %s, want it known (200)", r.status, r.body)
	}
}

// TestKnownDeviceSpendsNotThePasswordsBudget: a copy of alice's
// known-device cookie (a browser she left on a shared computer) asks
// code-only sign-ins until its budget is spent; alice's password sign-in
// from another browser still gets its code. Before, the known device
// spent the budget of the codes after the password, and held her off it
// for the quota's window.
func TestKnownDeviceSpendsNotThePasswordsBudget(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	left := knownBrowser(t, h, alice)
	copied := h.newClient(t)
	copied.setDeviceCookie(t, left.deviceCookie(t))
	spent := false
	for i := 0; i < 20 && !spent; i++ {
		r := copied.api(smsHost, "sms/start", map[string]string{"phone": alice.phone})
		spent = r.status == http.StatusTooManyRequests
	}
	if !spent {
		t.Fatal("20 code-only sign-ins from a known device met no quota: the test shows nothing")
	}
	sent := h.sms.count(t)
	r := h.newClient(t).login(crmHost, alice)
	r.wantStatus(t, http.StatusOK)
	if got := r.jsonMap(t)["status"]; got != "otp_required" || h.sms.count(t) != sent+1 {
		t.Fatalf("alice's password sign-in after the known device's sends: %v, %d new SMS; want her code sent", got, h.sms.count(t)-sent)
	}
}

// TestKnownDeviceKeepsEveryAccountOfItsBrowser: alice, bob and carol sign
// in, one after the other, on one browser (a family computer; an
// administrator's own and administrative accounts); an outsider bans the
// three names. The browser is still each one's known device. Before, the
// cookie held one account: each sign-in replaced the one before, and
// only the last account to sign in was known there, the others held out
// by the outsider's ban.
func TestKnownDeviceKeepsEveryAccountOfItsBrowser(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	shared := h.newClient(t)
	accounts := []testUser{alice, bob, carol}
	for _, u := range accounts {
		shared.signIn(crmHost, u)
		shared.api(crmHost, "logout", nil).wantStatus(t, http.StatusOK)
	}
	for _, u := range accounts {
		outsiderBans(t, h, u)
	}
	for _, u := range accounts {
		if r := shared.login(crmHost, u); r.status != http.StatusOK {
			t.Errorf("%s on the browser they share, after an outsider's ban: %d %s, want it known (200)", u.name, r.status, r.body)
		}
	}
}
