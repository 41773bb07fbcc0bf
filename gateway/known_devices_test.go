package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Known devices (docs/contract.md, "Known devices"): an outsider who
// knows a person's name can ban and lock the account, but not keep the
// person out of the browsers they have signed in with.

// wrongPasswordsUntilBanned sends wrong passwords for u from c until
// they are refused as banned.
func wrongPasswordsUntilBanned(t *testing.T, c *client, u testUser) {
	t.Helper()
	wrong := testUser{name: u.name, password: "not-" + u.password}
	for i := 0; i < 20; i++ {
		if r := c.login(crmHost, wrong); r.status == http.StatusTooManyRequests {
			return
		}
	}
	t.Fatalf("no ban after 20 wrong passwords for %s", u.name)
}

// outsiderBans has an outsider's wrong passwords ban u: a stranger with
// the right password is then refused as banned.
func outsiderBans(t *testing.T, h *harness, u testUser) {
	t.Helper()
	wrongPasswordsUntilBanned(t, h.newClient(t), u)
	h.newClient(t).login(crmHost, u).wantError(t, http.StatusTooManyRequests, "banned")
}

// knownBrowser is a browser u signed in with (so it holds u's
// known-device cookie), signed out since.
func knownBrowser(t *testing.T, h *harness, u testUser) *client {
	t.Helper()
	c := h.newClient(t)
	c.signIn(crmHost, u)
	c.api(crmHost, "logout", nil).wantStatus(t, http.StatusOK)
	return c
}

// TestOutsidersBanKeepsNoOneOutOfTheirBrowser: alice signed in on her
// browser yesterday; an outsider's wrong passwords ban the name; alice
// still signs in there, with her password and code. Before, she got 429
// banned for ban_time, again each time the outsider came back.
func TestOutsidersBanKeepsNoOneOutOfTheirBrowser(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alices := knownBrowser(t, h, alice)

	outsiderBans(t, h, alice)

	alices.signIn(crmHost, alice)
	if alices.get(crmHost, "/").status != http.StatusOK {
		t.Fatal("alice's browser is not signed in after the outsider's ban")
	}
}

// TestKnownDeviceIsHeldByItsOwnFailures: wrong passwords from alice's
// known browser ban that browser, not the account: her other browsers
// (and a new one) still sign in, and the known browser is refused even
// the right password until its ban ends.
func TestKnownDeviceIsHeldByItsOwnFailures(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	known := knownBrowser(t, h, alice)
	wrongPasswordsUntilBanned(t, known, alice)
	known.login(crmHost, alice).wantError(t, http.StatusTooManyRequests, "banned")
	h.newClient(t).signIn(crmHost, alice)
}

// TestKnownDeviceIsOnlyItsAccounts: bob's browser, a forged cookie and a
// cookie made before alice's password changed do not stand for alice's
// known browser: each is refused as banned like a stranger.
func TestKnownDeviceIsOnlyItsAccounts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	bobs := h.newClient(t)
	bobs.signIn(crmHost, bob)
	alices := h.newClient(t)
	alices.signIn(crmHost, alice)
	device := alices.deviceCookie(t)
	alices.api(crmHost, "logout", nil).wantStatus(t, http.StatusOK)

	outsiderBans(t, h, alice)
	bobs.login(crmHost, alice).wantError(t, http.StatusTooManyRequests, "banned")

	forged := h.newClient(t)
	forged.setDeviceCookie(t, strings.Repeat("A", len(device)))
	forged.login(crmHost, alice).wantError(t, http.StatusTooManyRequests, "banned")

	// The same cookie after the account's credentials changed.
	h.setPassword(t, alice.name, "alice-new-horse-battery")
	copied := h.newClient(t)
	copied.setDeviceCookie(t, device)
	copied.login(crmHost, testUser{name: alice.name, password: "alice-new-horse-battery"}).wantError(t, http.StatusTooManyRequests, "banned")
}

// TestKnownDeviceGetsPasswordlessCodesPastOutsiders: an outsider spends
// the anonymous send quota of alice's number (passwordless starts); her
// known browser still gets a sign-in code and a reset code, from the
// number's proved budget. Before, it got 429 (and a reset that sent
// nothing) until the quota's window ended.
func TestKnownDeviceGetsPasswordlessCodesPastOutsiders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	alices := knownBrowser(t, h, alice)

	outsider := h.newClient(t)
	for i := 0; i < 10; i++ {
		outsider.api(smsHost, "sms/start", map[string]string{"phone": alice.phone})
	}
	if r := h.newClient(t).api(smsHost, "sms/start", map[string]string{"phone": alice.phone}); r.status != http.StatusTooManyRequests {
		t.Fatalf("the number's anonymous quota is not spent (%d): the test shows nothing", r.status)
	}
	sent := h.sms.count(t)
	alices.api(smsHost, "sms/start", map[string]string{"phone": alice.phone}).wantStatus(t, http.StatusOK)
	if h.sms.count(t) != sent+1 {
		t.Fatal("no code sent to alice's known browser")
	}
	alices.api(smsHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)

	// A password reset asked from it is sent too (the anonymous one is
	// answered but sends nothing past the quota).
	alices.api(smsHost, "logout", nil).wantStatus(t, http.StatusOK)
	sent = h.sms.count(t)
	alices.api(appHost, "reset", map[string]string{"username": alice.name}).wantStatus(t, http.StatusOK)
	if h.sms.count(t) != sent+1 {
		t.Fatal("no reset code sent to alice's known browser")
	}
}

// TestKnownDeviceCookieIsThePortals: the cookie is scoped to the
// portal's paths, HttpOnly and SameSite=Strict, and an app never
// receives it (proxy mode drops it even when a client sends it there) nor
// sets it.
func TestKnownDeviceCookieIsThePortals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	r := c.login(appHost, alice)
	r.wantStatus(t, http.StatusOK)
	ck := r.setCookie(h.deviceCookieName())
	if ck == nil {
		t.Fatalf("no known-device cookie with the sign-in: %v", r.header["Set-Cookie"])
	}
	if ck.Path != prefix || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.MaxAge <= 0 {
		t.Errorf("known-device cookie %+v: want Path=%s, HttpOnly, SameSite=Strict, a Max-Age", ck, prefix)
	}
	sent := c.do(request{host: appHost, path: "/hello", header: http.Header{"Cookie": {h.deviceCookieName() + "=" + ck.Value}}})
	sent.wantStatus(t, http.StatusOK)
	if got := h.up.last(t).Header.Get("Cookie"); strings.Contains(got, h.deviceCookieName()) {
		t.Errorf("the app received the known-device cookie: %q", got)
	}
}

// deviceCookieName is the known-device cookie's name in the harness
// (session.secure off: no prefix).
func (h *harness) deviceCookieName() string { return h.cfg.Session.CookieName + "_device" }

// portalURL is where the client's jar keeps the portal's cookies.
var portalURL = &url.URL{Scheme: "http", Host: appHost, Path: prefix + "/api/login"}

// deviceCookie is the known-device cookie the client holds.
func (c *client) deviceCookie(t *testing.T) string {
	t.Helper()
	for _, ck := range c.jar.Cookies(portalURL) {
		if ck.Name == c.h.deviceCookieName() {
			return ck.Value
		}
	}
	t.Fatal("the client holds no known-device cookie")
	return ""
}

// setDeviceCookie gives the client value as its known-device cookie.
func (c *client) setDeviceCookie(t *testing.T, value string) {
	t.Helper()
	c.jar.SetCookies(portalURL, []*http.Cookie{{Name: c.h.deviceCookieName(), Value: value, Path: prefix, Domain: cookieDomain}})
}

// setPassword gives the account name (redis backend) a new password.
func (h *harness) setPassword(t *testing.T, name, password string) {
	t.Helper()
	if err := h.users.SetPassword(t.Context(), name, mustHash(t, password)); err != nil {
		t.Fatal(err)
	}
}
