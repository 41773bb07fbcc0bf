package gateway_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestEveryPortalAnswerCarriesSecurityHeaders holds SECURITY.md's
// "Clickjacking, sniffing, leaks" row to its word, every page and JSON
// answer: each page of the portal, the account pages and the console, and
// each JSON answer a signed-in administrator reads, asked for as a page
// and as JSON over https, carries X-Frame-Options, nosniff,
// Referrer-Policy, HSTS and Cache-Control: no-store, and a page the CSP.
// TestPortalSecurityHeaders checks the sign-in page alone.
func TestEveryPortalAnswerCarriesSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	c := h.newClient(t)
	c.signIn(crmHost, alice)
	https := http.Header{"X-Forwarded-Proto": {"https"}} // from a trusted proxy
	pages := []string{"/logout", "/signup", "/reset", "/account", "/totp", "/passkey", "/recovery", "/recovery-codes",
		"/admin/", "/admin/users/bob", "/admin/sessions", "/admin/bans", "/admin/sms"}
	answers := []string{"/api/session", "/api/recovery-codes", "/api/admin/users", "/api/admin/users/bob",
		"/api/admin/sessions", "/api/admin/bans", "/api/admin/audit", "/api/admin/sms"}
	for _, path := range append(pages, answers...) {
		for _, accept := range []string{htmlAccept, "application/json"} {
			r := c.do(request{host: authHost, path: prefix + path, accept: accept, header: https})
			if r.status != http.StatusOK {
				t.Errorf("GET %s (%s): %d, want 200", path, accept, r.status)
				continue
			}
			for k, want := range map[string]string{
				"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
				"Cache-Control": "no-store", "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
			} {
				if got := r.header.Get(k); got != want {
					t.Errorf("GET %s (%s): %s = %q, want %q", path, accept, k, got, want)
				}
			}
			if !strings.HasPrefix(path, "/api/") {
				if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
					t.Errorf("GET %s (%s): CSP = %q", path, accept, csp)
				}
			}
		}
	}
	// A JSON answer to a post: the password step.
	r := h.newClient(t).do(request{method: http.MethodPost, host: authHost, path: prefix + "/api/login", header: https,
		body: strings.NewReader(`{"username":"bob","password":"` + bob.password + `"}`), contentType: "application/json", accept: "application/json"})
	if r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-store" || r.header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("POST /api/login: %d, Cache-Control %q, X-Frame-Options %q", r.status, r.header.Get("Cache-Control"), r.header.Get("X-Frame-Options"))
	}
}
