package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSiblingHostsFormPostIsRefused checks docs/contract.md, "CSRF": a
// portal form posted by a page of another site or of a sibling host
// (Sec-Fetch-Site cross-site or same-site) is 403 csrf_failed before any
// work, whatever its token. With session.secure off (the harness's), the
// form cookie has no __Host- prefix, and a sibling host can set one of
// its own for the whole site under a longer path, which the browser sends
// first: the attacker's cookie with the token a page gave the attacker
// for it, posted from a page with Referrer-Policy: no-referrer (Origin:
// null), passed the token and Origin checks. Before, it signed the
// victim's browser into the attacker's account (login CSRF) and signed a
// signed-in victim out.
func TestSiblingHostsFormPostIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	formCookie := h.cfg.Session.CookieName + "_csrf" // no prefix: session.secure is off

	// The attacker's own browser: a form cookie and the token for it.
	attacker := h.newClient(t)
	token := attacker.csrfToken(appHost)
	var planted string
	for _, ck := range attacker.jar.Cookies(cookieURL) {
		if ck.Name == formCookie {
			planted = ck.Value
		}
	}
	if planted == "" {
		t.Fatalf("the attacker's browser got no %s cookie", formCookie)
	}

	// What the victim's browser sends for the sibling's form: the planted
	// cookie first (its longer path), Origin null, and what the browser
	// says of the page that asked.
	post := func(c *client, path, site string, vals url.Values) reply {
		vals = cloneValues(vals)
		vals.Set("csrf", token)
		hdr := http.Header{"Cookie": {formCookie + "=" + planted}, "Origin": {"null"}}
		if site != "" {
			hdr["Sec-Fetch-Site"] = []string{site}
			hdr["Sec-Fetch-Mode"] = []string{"navigate"}
		}
		return c.do(request{method: http.MethodPost, host: appHost, path: prefix + path,
			body: strings.NewReader(vals.Encode()), contentType: "application/x-www-form-urlencoded", accept: htmlAccept, header: hdr})
	}
	creds := url.Values{"username": {bob.name}, "password": {bob.password}}

	for _, site := range []string{"same-site", "cross-site"} {
		t.Run(site, func(t *testing.T) {
			// Login CSRF: the attacker's account in the victim's browser.
			victim := h.newClient(t)
			r := post(victim, "/login", site, creds)
			if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "This form has expired") {
				t.Errorf("sibling's POST /login: %d, want 403 csrf page", r.status)
			}
			if victim.cookie() != "" {
				t.Error("the sibling's form signed the victim's browser in as the attacker")
			}

			// Logout CSRF.
			signedIn := h.newClient(t)
			signedIn.signIn(appHost, alice)
			r = post(signedIn, "/logout", site, url.Values{})
			if r.status != http.StatusForbidden {
				t.Errorf("sibling's POST /logout: %d, want 403", r.status)
			}
			signedIn.get(appHost, "/deals").wantStatus(t, http.StatusOK) // still signed in
		})
	}

	// The portal's own pages (same-origin) and browsers that do not say
	// (no Sec-Fetch-Site) post as before.
	for _, site := range []string{"same-origin", ""} {
		c := h.newClient(t)
		if r := post(c, "/login", site, creds); r.status != http.StatusSeeOther {
			t.Errorf("POST /login with Sec-Fetch-Site %q: %d, want 303\n%s", site, r.status, r.body)
		}
	}
}
