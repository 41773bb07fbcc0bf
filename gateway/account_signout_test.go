package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestEndingThisBrowsersSessionSignsItOut: ending, from the account
// page's list, the session marked "this browser" is a sign-out as
// POST /logout is: the session ends, the browser is told to drop the
// cookie (a remembered one too) and what it cached, and goes to the
// login page. Before, the page compared the handle posted with the
// session's store key, which a list shows only for sessions signed in
// before handles existed: the session ended, but the browser kept its
// persistent cookie and went back to the account page.
func TestEndingThisBrowsersSessionSignsItOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	c := h.newClient(t)
	r := c.api(crmHost, "login", map[string]any{"username": alice.name, "password": alice.password, "remember_me": true})
	r.wantStatus(t, http.StatusOK)
	r = c.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)})
	r.wantStatus(t, http.StatusOK)
	if age := rememberedFor(t, r); age == 0 {
		t.Fatal("sign-in with remember-me: a browser-session cookie")
	}
	page := c.browse(authHost, prefix+"/account")
	page.wantStatus(t, http.StatusOK)
	id := c.cookie()

	r = c.form(authHost, "/account/sessions/revoke", url.Values{"session": {currentHandle(t, page.body)}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), prefix+"/login") {
		t.Errorf("ending this browser's session: %d to %q, want 303 to the login page", r.status, r.header.Get("Location"))
	}
	cleared := false
	for _, sc := range r.header.Values("Set-Cookie") {
		if strings.Contains(sc, h.cfg.Session.CookieName+"=;") && strings.Contains(sc, "Max-Age=0") {
			cleared = true
		}
	}
	if !cleared {
		t.Errorf("ending this browser's session: Set-Cookie %q, want the session cookie dropped", r.header.Values("Set-Cookie"))
	}
	if got := r.header.Get("Clear-Site-Data"); got != `"cache"` {
		t.Errorf("ending this browser's session: Clear-Site-Data %q, want \"cache\" as for a sign-out", got)
	}
	h.clientWithCookie(t, id).get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
}
