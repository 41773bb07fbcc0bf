package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPlainHTTPOriginIsAnotherSite: a page on http://crm.example.com is
// not the portal's page on https://crm.example.com (another origin, and
// to browsers with schemeful SameSite another site): a network attacker
// serves it to anyone who has not been to the portal over https yet.
// Over https (TLS, or a trusted proxy saying so) its posts are refused
// as another site's, before any work: before, only hosts and ports were
// compared, so from such a page a bodiless POST ended the session, sent
// a code, and a form post passed the Origin check. Over plain http, or
// when nothing says the request came over https, the scheme is not
// judged (a development setup, a front door not in trusted_proxies).
func TestPlainHTTPOriginIsAnotherSite(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.signIn(appHost, bob) // password only: a resend starts a step-up
	sends := h.sms.count(t)
	https := func(origin string) http.Header {
		return http.Header{"X-Forwarded-Proto": {"https"}, "Origin": {origin}}
	}
	for _, tc := range []struct {
		name string
		req  request
	}{
		{"bodiless logout", request{method: http.MethodPost, host: crmHost, path: prefix + "/api/logout", header: https("http://crm.example.com")}},
		{"bodiless resend", request{method: http.MethodPost, host: crmHost, path: prefix + "/api/otp/resend", header: https("http://crm.example.com")}},
		{"JSON logout", request{method: http.MethodPost, host: crmHost, path: prefix + "/api/logout", body: strings.NewReader(`{}`),
			contentType: "application/json", header: https("http://crm.example.com")}},
		{"form logout", request{method: http.MethodPost, host: crmHost, path: prefix + "/logout",
			body: strings.NewReader(url.Values{"csrf": {c.csrfToken(crmHost)}}.Encode()), contentType: "application/x-www-form-urlencoded", header: https("http://crm.example.com")}},
		{"portal's host", request{method: http.MethodPost, host: authHost, path: prefix + "/api/logout", header: https("http://auth.example.com")}},
		{"a scheme no page has", request{method: http.MethodPost, host: crmHost, path: prefix + "/api/logout", header: https("ftp://crm.example.com")}},
	} {
		tc.req.accept = "application/json"
		r := c.do(tc.req)
		if r.status != http.StatusForbidden || r.errorCode(t) != "csrf_failed" {
			t.Errorf("%s from http://: %d %s, want 403 csrf_failed", tc.name, r.status, r.body)
		}
	}
	if n := h.sms.count(t); n != sends {
		t.Errorf("%d texts sent for a plain-http page", n-sends)
	}
	c.get(appHost, "/").wantStatus(t, http.StatusOK) // still signed in

	// The page's own origin is fine over https, and over plain http the
	// scheme is not judged.
	for _, tc := range []struct {
		origin string
		header http.Header
	}{
		{"http://crm.example.com", nil},
		{"https://crm.example.com", nil}, // a front door that ended TLS without saying so
		{"https://crm.example.com", http.Header{"X-Forwarded-Proto": {"https"}}},
	} {
		hd := http.Header{"Origin": {tc.origin}}
		for k, v := range tc.header {
			hd[k] = v
		}
		r := c.do(request{method: http.MethodPost, host: crmHost, path: prefix + "/api/otp/resend", accept: "application/json", header: hd})
		if r.status == http.StatusForbidden {
			t.Errorf("resend from %s (%v): 403 %s", tc.origin, tc.header, r.body)
		}
	}
	c.do(request{method: http.MethodPost, host: crmHost, path: prefix + "/api/logout", accept: "application/json",
		header: https("https://crm.example.com")}).wantStatus(t, http.StatusOK)
	c.get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
}
