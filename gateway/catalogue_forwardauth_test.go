package gateway_test

import (
	"net/http"
	"strings"
	"testing"
)

// The forward-auth cases of the security catalogue (19–21): the answer to
// a front door fails closed on every input it cannot trust or read
// (docs/contract.md, "Forward-auth protocol"). A 200 is the only answer
// nginx's auth_request and the ForwardAuth middlewares read as "allow".

// wantNoAllow fails the test on a 2xx forward-auth answer, or on one that
// names a user.
func wantNoAllow(t *testing.T, what string, r reply) {
	t.Helper()
	if r.status/100 == 2 {
		t.Errorf("%s: %d, an allow", what, r.status)
	}
	if u := r.header.Get("X-Auth-User"); u != "" {
		t.Errorf("%s: answer names user %q", what, u)
	}
}

// TestCatalogueMalformedForwardedURLsFailClosed: catalogue case 20
// (Authelia CVE-2021-32637): a malformed, empty or 10 KB X-Original-URL or
// X-Forwarded-Uri from a trusted front door is never answered 200, for an
// anonymous client nor for one with a valid session.
func TestCatalogueMalformedForwardedURLsFailClosed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	bobs := h.newClient(t)
	bobs.signIn(crmHost, bob)
	long := "https://crm.example.com/" + strings.Repeat("%zz", 10*1024/3)
	for _, who := range []struct{ name, cookie string }{
		{"anonymous", ""},
		{"bob, signed in", h.cfg.Session.CookieName + "=" + bobs.cookie()},
	} {
		ask := func(path string, hd http.Header) reply {
			if who.cookie != "" {
				hd.Set("Cookie", who.cookie)
			}
			hd.Set("Accept", "application/json")
			return h.newClient(t).do(request{host: authHost, path: prefix + path, header: hd})
		}
		for _, u := range []string{"http://app/%zz", "https://crm.example.com/%zz", "::", "", long, "https://crm.example.com/" + strings.Repeat("a", 10*1024) + "%"} {
			r := ask("/authz/auth-request", http.Header{"X-Original-Url": {u}, "X-Original-Method": {"GET"}})
			wantNoAllow(t, who.name+", X-Original-URL "+trunc(u), r)
		}
		for _, uri := range []string{"/%zz", "%zz", "::", "", strings.Repeat("/%zz", 10*1024/4), "/" + strings.Repeat("a", 10*1024) + "%"} {
			r := ask("/authz/forward-auth", http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {crmHost}, "X-Forwarded-Uri": {uri}, "X-Forwarded-Method": {"GET"}})
			wantNoAllow(t, who.name+", X-Forwarded-Uri "+trunc(uri), r)
		}
		for _, host := range []string{"", "::", "crm.example.com:99999", strings.Repeat("a", 10*1024)} {
			r := ask("/authz/forward-auth", http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {host}, "X-Forwarded-Uri": {"/"}})
			wantNoAllow(t, who.name+", X-Forwarded-Host "+trunc(host), r)
		}
	}
}

// trunc shortens s for a test's message.
func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
