package gateway_test

import (
	"net/http"
	"testing"
)

// TestForwardAuthRefusesARepeatedDescription: a front door that adds its
// own description line after the client's (HAProxy's add-header, Envoy's
// request_headers_to_add, which appends by default, Apache's RequestHeader
// add) passes the client's line on first. Each header that describes the
// request (X-Original-URL/-Method, X-Forwarded-Proto/Host/Uri/Method) sent
// twice is refused with 401 by both endpoints, whatever the order, signed
// in or not (docs/contract.md, "Forward-auth protocol"). Before, the first
// line was decided on: an anonymous client's own "/health" let
// /admin/users through, its "public.example.com" let crm.example.com
// through, and its "GET" let a DELETE through a GET-only bypass route.
func TestForwardAuthRefusesARepeatedDescription(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	bobs := h.newClient(t)
	bobs.signIn(appHost, bob) // password only: app.example.com/admin is not his
	forwarded := func(proto, host, uri, method []string) http.Header {
		return http.Header{"X-Forwarded-Proto": proto, "X-Forwarded-Host": host, "X-Forwarded-Uri": uri, "X-Forwarded-Method": method}
	}
	one := func(v string) []string { return []string{v} }
	tests := []struct {
		name     string
		endpoint string
		header   http.Header
		// alone is the client's line alone: what the first line was read
		// as before (an allow, for the test to fail on).
		alone http.Header
	}{
		{
			"X-Forwarded-Uri", "/authz/forward-auth",
			forwarded(one("https"), one(appHost), []string{"/health", "/admin/users"}, one("GET")),
			forwarded(one("https"), one(appHost), one("/health"), one("GET")),
		},
		{
			"X-Forwarded-Host", "/authz/forward-auth",
			forwarded(one("https"), []string{publicHost, crmHost}, one("/deals"), one("GET")),
			forwarded(one("https"), one(publicHost), one("/deals"), one("GET")),
		},
		{
			"X-Forwarded-Method", "/authz/forward-auth",
			forwarded(one("https"), one(roHost), one("/items/1"), []string{"GET", "DELETE"}),
			forwarded(one("https"), one(roHost), one("/items/1"), one("GET")),
		},
		{
			"X-Forwarded-Proto", "/authz/forward-auth",
			forwarded([]string{"https", "http"}, one(publicHost), one("/"), one("GET")),
			forwarded(one("https"), one(publicHost), one("/"), one("GET")),
		},
		{
			"X-Original-URL", "/authz/auth-request",
			http.Header{"X-Original-Url": {"https://app.example.com/health", "https://app.example.com/admin/users"}, "X-Original-Method": {"GET"}},
			http.Header{"X-Original-Url": {"https://app.example.com/health"}, "X-Original-Method": {"GET"}},
		},
		{
			"X-Original-Method", "/authz/auth-request",
			http.Header{"X-Original-Url": {"https://ro.example.com/items/1"}, "X-Original-Method": {"GET", "DELETE"}},
			http.Header{"X-Original-Url": {"https://ro.example.com/items/1"}, "X-Original-Method": {"GET"}},
		},
	}
	for _, tc := range tests {
		for _, who := range []struct {
			name string
			c    *client
		}{{"anonymous", h.newClient(t)}, {"bob", bobs}} {
			t.Run(tc.name+", "+who.name, func(t *testing.T) {
				ask := func(hdr http.Header) reply {
					hdr = hdr.Clone()
					hdr.Set("Accept", "application/json")
					return who.c.do(request{host: authHost, path: prefix + tc.endpoint, header: hdr})
				}
				// The client's line alone is allowed: the refusal below is
				// the repetition's.
				ask(tc.alone).wantStatus(t, http.StatusOK)
				r := ask(tc.header)
				r.wantError(t, http.StatusUnauthorized, "unauthenticated")
				wantNoAllow(t, tc.name+" twice", r)
				// The other order is refused too: neither line is chosen.
				reversed := tc.header.Clone()
				for k, vs := range reversed {
					if len(vs) == 2 {
						reversed[k] = []string{vs[1], vs[0]}
					}
				}
				ask(reversed).wantError(t, http.StatusUnauthorized, "unauthenticated")
			})
		}
	}
}
