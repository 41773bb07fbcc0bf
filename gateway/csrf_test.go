package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCSRF checks that every state-changing form refuses a post without
// the page's token, with another browser's token, or from another origin,
// before doing any work.
func TestCSRF(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	victim := h.newClient(t)
	attacker := h.newClient(t)
	attackerToken := attacker.csrfToken(crmHost)

	creds := url.Values{"username": {alice.name}, "password": {alice.password}, "rd": {"/"}}
	cases := []struct {
		name string
		post func() reply
	}{
		{"no token", func() reply { return victim.formRaw(crmHost, "/login", creds) }},
		{"another browser's token", func() reply {
			v := cloneValues(creds)
			v.Set("csrf", attackerToken)
			return victim.formRaw(crmHost, "/login", v)
		}},
		{"forged token", func() reply {
			v := cloneValues(creds)
			v.Set("csrf", strings.Repeat("A", 43))
			return victim.formRaw(crmHost, "/login", v)
		}},
		{"cross-origin post with a valid token", func() reply {
			v := cloneValues(creds)
			v.Set("csrf", victim.csrfToken(crmHost))
			return victim.do(request{method: http.MethodPost, host: crmHost, path: prefix + "/login",
				body: strings.NewReader(v.Encode()), contentType: "application/x-www-form-urlencoded", accept: htmlAccept,
				header: http.Header{"Origin": {"https://evil.example.net"}}})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sent := h.sms.count(t)
			r := tc.post()
			if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "This form has expired") {
				t.Fatalf("status %d, want 403 csrf page:\n%s", r.status, r.body)
			}
			if victim.cookie() != "" {
				t.Error("a refused form still signed the browser in")
			}
			if h.sms.count(t) != sent {
				t.Error("a refused form sent an SMS")
			}
		})
	}

	// Every form on every page carries the token, and the same post with
	// it works.
	for _, page := range []string{"/login", "/logout"} {
		r := victim.browse(crmHost, prefix+page)
		if n, m := strings.Count(string(r.body), "<form"), strings.Count(string(r.body), `name="csrf"`); n == 0 || n != m {
			t.Errorf("%s: %d forms, %d csrf fields", page, n, m)
		}
	}
	r := victim.form(crmHost, "/login", creds)
	if r.status != http.StatusSeeOther {
		t.Fatalf("login with the token: %d\n%s", r.status, r.body)
	}
	// Logout and resend are protected too.
	for _, path := range []string{"/logout", "/otp/resend", "/otp"} {
		if r := victim.formRaw(crmHost, path, url.Values{"code": {"123456"}}); r.status != http.StatusForbidden {
			t.Errorf("POST %s without token: %d, want 403", path, r.status)
		}
	}
	if victim.cookie() == "" {
		t.Error("a refused logout ended the session")
	}
}

// TestPortalSecurityHeaders checks the headers browsers act on.
func TestPortalSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	r := c.browse(crmHost, prefix+"/login")
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-store",
	} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	if r.header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent over plain http")
	}
	r = c.do(request{host: crmHost, path: prefix + "/login", accept: htmlAccept, header: http.Header{"X-Forwarded-Proto": {"https"}}})
	if r.header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS when a trusted proxy says https")
	}
}

// TestErrorPagesCarrySecurityHeaders: the answers the gateway makes
// outside the portal's route group (an unknown portal path, a path the
// portal prefix reserves, a route's refusal, an upstream that failed, the
// redirect to sign in) carry the portal's security headers, as a page and
// as JSON, with HSTS over https; before, the pages had only the CSP, and
// the JSON answers (a script's fetch, an API client) and the redirect had
// none of them: no HSTS, nosniff, X-Frame-Options or Referrer-Policy.
func TestErrorPagesCarrySecurityHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	https := http.Header{"X-Forwarded-Proto": {"https"}} // from a trusted proxy
	for _, tc := range []struct{ host, path string }{
		{appHost, prefix + "/nope"},
		{strings.TrimPrefix(publicURL, "https://"), prefix + "/api/nope"},
		{appHost, prefix + "/%2e%2e/x"},
		{appHost, "/blocked"},
		{deadHost, "/"},
		{crmHost, "/"}, // the way to sign in (302) for a page load
	} {
		for _, accept := range []string{htmlAccept, "application/json"} {
			r := c.do(request{host: tc.host, path: tc.path, accept: accept, header: https})
			if r.status < 300 {
				t.Fatalf("GET %s%s (%s): %d, want a refusal or a redirect", tc.host, tc.path, accept, r.status)
			}
			for k, want := range map[string]string{
				"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
				"Cache-Control": "no-store", "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
			} {
				if got := r.header.Get(k); got != want {
					t.Errorf("GET %s%s (%s, %d): %s = %q, want %q", tc.host, tc.path, accept, r.status, k, got, want)
				}
			}
		}
	}
}
