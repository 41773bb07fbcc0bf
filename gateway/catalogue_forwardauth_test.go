package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
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

// TestCatalogueForwardingHeadersFromAnUntrustedPeer: catalogue case 19
// (GHSA-7x63-xv5r-3p2x): a client that calls the forward-auth endpoints
// itself, from an address not in trusted_proxies, and names a public
// resource in every forwarding header gets 401 from both; in proxy mode the
// same headers leave a protected path protected and reach nothing.
func TestCatalogueForwardingHeadersFromAnUntrustedPeer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Server.TrustedProxies = []string{"10.0.0.0/8"} }})
	spoof := http.Header{
		"X-Forwarded-Uri":    {"/public"},
		"X-Original-Url":     {"https://app.example.com/public"},
		"X-Forwarded-Host":   {"public.example.com"},
		"X-Forwarded-Method": {"GET"},
		"X-Forwarded-Proto":  {"https"},
		"X-Original-Method":  {"GET"},
		"Accept":             {"application/json"},
	}
	for _, path := range []string{"/authz/auth-request", "/authz/forward-auth"} {
		for _, host := range []string{authHost, appHost, publicHost} {
			r := h.newClient(t).do(request{host: host, path: prefix + path, header: spoof.Clone()})
			r.wantError(t, http.StatusUnauthorized, "unauthenticated")
			wantNoAllow(t, host+path, r)
		}
	}
	before := h.up.count()
	for _, p := range []string{"/admin/users", "/secure/x", "/"} {
		r := h.newClient(t).do(request{host: appHost, path: p, header: spoof.Clone()})
		r.wantError(t, http.StatusUnauthorized, "unauthenticated")
	}
	if h.up.count() != before {
		t.Error("a protected path with spoofed forwarding headers reached the upstream")
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

// TestCatalogueBadSessionCookiesFailClosed: catalogue case 21 (authentik
// CVE-2026-25748): a garbage, truncated, bad-base64, altered or 8 KB
// session cookie is no session: 401 or the login from both forward-auth
// endpoints and in proxy mode, never 200, no identity, nothing proxied.
func TestCatalogueBadSessionCookiesFailClosed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	bobs := h.newClient(t)
	bobs.signIn(crmHost, bob)
	good := bobs.cookie()
	flipped := []byte(good)
	flipped[len(flipped)-1] ^= 1
	for name, value := range map[string]string{
		"garbage":         "not-a-session",
		"empty":           "",
		"truncated":       good[:len(good)-4],
		"one character":   good[:1],
		"bad base64":      strings.Repeat("*", len(good)),
		"padded":          good + "==",
		"altered":         string(flipped),
		"8 KB":            strings.Repeat("A", 8*1024),
		"valid then more": good + good,
		"quoted":          `"` + good + `x"`,
	} {
		cookie := h.cfg.Session.CookieName + "=" + value
		for _, fd := range frontDoors {
			r := h.newClient(t).do(fd.build(clientReq{method: "GET", proto: "https", host: crmHost, uri: "/deals",
				header: http.Header{"Accept": {"application/json"}, "Cookie": {cookie}}}))
			if r.status != http.StatusUnauthorized {
				t.Errorf("%s, %s cookie: %d, want 401", fd.name, name, r.status)
			}
			wantNoAllow(t, fd.name+", "+name, r)
		}
		before := h.up.count()
		for _, accept := range []string{"application/json", htmlAccept} {
			r := h.newClient(t).do(request{host: crmHost, path: "/deals", accept: accept, header: http.Header{"Cookie": {cookie}}})
			if r.status != http.StatusUnauthorized && r.status != http.StatusFound {
				t.Errorf("proxy mode, %s cookie: %d, want 401 or the login", name, r.status)
			}
		}
		if h.up.count() != before {
			t.Errorf("proxy mode, %s cookie: the request reached the upstream", name)
		}
	}
	bobs.get(crmHost, "/deals").wantStatus(t, http.StatusOK) // the real one still works
}

// trunc shortens s for a test's message.
func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
