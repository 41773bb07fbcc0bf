package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// setCookie returns the cookie named name that r sets, or nil.
func (r reply) setCookie(name string) *http.Cookie {
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// TestSessionCookiePrefixes checks the name the session cookie gets on
// the wire (docs/contract.md, "Session cookie names"): __Secure- when it
// is shared through session.cookie_domain, __Host- when host-only, the
// configured name as is when it already has a prefix; and that only that
// name is a session, while both names are kept from upstreams.
func TestSessionCookiePrefixes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, configured, domain, wire string
	}{
		{"shared with a domain", "gatehouse_session", cookieDomain, "__Secure-gatehouse_session"},
		{"host-only", "gatehouse_session", "", "__Host-gatehouse_session"},
		{"already prefixed", "__Secure-gh", cookieDomain, "__Secure-gh"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
				cfg.Session.Secure = true
				cfg.Session.CookieName = tc.configured
				cfg.Session.CookieDomain = tc.domain
			}})
			r := h.newClient(t).login(appHost, bob)
			r.wantStatus(t, http.StatusOK)
			ck := r.setCookie(tc.wire)
			if ck == nil || !ck.Secure || !ck.HttpOnly || ck.Path != "/" || ck.Domain != tc.domain {
				t.Fatalf("session cookie %q: %+v (Set-Cookie %q)", tc.wire, ck, r.header["Set-Cookie"])
			}

			// Only the name on the wire is a session.
			anon := h.newClient(t)
			session := func(cookie string) int {
				return anon.do(request{host: appHost, path: prefix + "/api/session", accept: "application/json",
					header: http.Header{"Cookie": {cookie}}}).status
			}
			if got := session(tc.wire + "=" + ck.Value); got != http.StatusOK {
				t.Errorf("GET /api/session with %s: %d", tc.wire, got)
			}
			if tc.wire != tc.configured {
				if got := session(tc.configured + "=" + ck.Value); got != http.StatusUnauthorized {
					t.Errorf("GET /api/session with the unprefixed %s: %d, want 401", tc.configured, got)
				}
			}

			// Upstreams never get the session, under either name.
			cookie := "app=1; " + tc.wire + "=" + ck.Value + "; " + tc.configured + "=" + ck.Value
			anon.do(request{host: appHost, path: "/deals", header: http.Header{"Cookie": {cookie}}}).wantStatus(t, http.StatusOK)
			if got := h.up.last(t).Header["Cookie"]; len(got) != 1 || got[0] != "app=1" {
				t.Errorf("the upstream got Cookie %q, want [app=1]", got)
			}
		})
	}
}

// TestHSTSCoversSubdomainsWithCookieDomain checks that HSTS includes
// subdomains exactly when the session cookie is shared with them.
func TestHSTSCoversSubdomainsWithCookieDomain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		domain, want string
	}{
		{cookieDomain, "max-age=31536000; includeSubDomains"},
		{"", "max-age=31536000"},
	} {
		h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Session.CookieDomain = tc.domain }})
		r := h.newClient(t).do(request{host: crmHost, path: prefix + "/login", accept: htmlAccept, header: http.Header{"X-Forwarded-Proto": {"https"}}})
		if got := r.header.Get("Strict-Transport-Security"); got != tc.want {
			t.Errorf("cookie_domain %q: HSTS %q, want %q", tc.domain, got, tc.want)
		}
	}
}

// TestJSONAPIRefusesOpaqueOrigin checks that a JSON call with "Origin:
// null" (a sandboxed frame, a data: or file: page) is refused before any
// work, while a portal form, which a no-referrer page posts with that
// origin, still works.
func TestJSONAPIRefusesOpaqueOrigin(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	for _, origin := range []string{"null", "NULL"} {
		r := c.do(request{method: http.MethodPost, host: appHost, path: prefix + "/api/login",
			body:        strings.NewReader(`{"username":"bob","password":"` + bob.password + `"}`),
			contentType: "application/json", accept: "application/json", header: http.Header{"Origin": {origin}}})
		r.wantError(t, http.StatusForbidden, "csrf_failed")
		if c.cookie() != "" {
			t.Fatal("a refused API login signed the client in")
		}
	}
	token := c.csrfToken(appHost)
	r := c.do(request{method: http.MethodPost, host: appHost, path: prefix + "/login",
		body:        strings.NewReader("username=bob&password=" + bob.password + "&csrf=" + token),
		contentType: "application/x-www-form-urlencoded", accept: htmlAccept, header: http.Header{"Origin": {"null"}}})
	r.wantStatus(t, http.StatusSeeOther)
}
