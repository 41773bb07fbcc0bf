package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/pathcorpus"
)

// catalogueTargets are the request targets of the security catalogue's
// path cases, verbatim, in the path corpus's world ("/" signed in,
// "/public" bypassed, "/admin" admins only; docs/contract.md, "Request
// paths").
var catalogueTargets = []struct{ target, why string }{
	// Case 25: bypass rules match the path only (CVE-2025-54576,
	// GHSA-pxq7-h93f-9jrg).
	{"/admin?x=/public", "25 bypassed path in the query"},
	{"/admin%23/public", "25 encoded fragment"},
	{"/admin.css", "25 static-looking suffix"},
	{"/admin/x.css", "25 static-looking file under /admin"},
	// Case 27: dot segments (Traefik CVE-2025-32431, Envoy CVE-2019-9901).
	{"/public/../admin", "27 dot-dot"},
	{"/public/%2e%2e/admin", "27 encoded dot-dot"},
	{"/public/%2E%2E/admin", "27 encoded dot-dot, upper case"},
	{"/public/.%2e/admin", "27 half-encoded dot-dot"},
	// Case 28: encoded separators and controls (CVE-2025-66490, CVE-2026-48020).
	{"/admin%2F", "28 encoded slash"},
	{"/public%2F..%2Fadmin", "28 encoded slashes around dot-dot"},
	{"/admin%5Csecret", "28 encoded backslash"},
	{"/admin%00", "28 NUL"},
	{"/admin%3Bx", "28 encoded semicolon"},
	// Case 29: the same decision as /admin (keycloak-client #234).
	{"//admin", "29 double slash"},
	{"/./admin", "29 dot segment"},
	{"/admin/", "29 trailing slash"},
	{"/admin;jsessionid=x", "29 matrix parameter"},
	{"/admin;/", "29 empty matrix parameter"},
	// Case 30 with a case-sensitive upstream (TestCaseInsensitiveUpstreamDecidesAnyCase has the other kind).
	{"/ADMIN", "30 upper case"},
	{"/Admin", "30 mixed case"},
}

// TestCatalogueAmbiguousPaths: catalogue cases 25 and 27–30. Through proxy
// mode and from every front door, anonymously and as bob (not an admin):
// each target is refused (400 bad_path; 403 to nginx) or decided as the
// protected path it can be read as, and no request the gateway did not
// allow reaches a protected handler of any of the corpus's six routers.
func TestCatalogueAmbiguousPaths(t *testing.T) {
	t.Parallel()
	w := newCorpusWorld(t)
	addr := w.h.srv.Listener.Addr().String()
	for _, tc := range catalogueTargets {
		for _, p := range []struct {
			name    string
			cookie  string
			allowed []string
		}{
			{"anonymous", "", []string{pathcorpus.Public}},
			{"bob", w.h.cfg.Session.CookieName + "=" + w.bob, []string{pathcorpus.Public, pathcorpus.App}},
		} {
			hd := http.Header{"Accept": {"application/json"}}
			if p.cookie != "" {
				hd.Set("Cookie", p.cookie)
			}
			w.up.Take()
			status, _ := rawGet(t, addr, appHost, tc.target, hd)
			for _, hit := range w.up.Take() {
				if bad := hit.Reached(p.allowed...); len(bad) > 0 {
					t.Errorf("proxy mode, %s, %s (%s): the app received %q and reached %v", p.name, tc.target, tc.why, hit.Target, bad)
				}
			}
			if p.cookie == "" && status/100 == 2 {
				t.Errorf("proxy mode, anonymous, %s (%s): %d, want auth required or 400", tc.target, tc.why, status)
			}
			for _, fd := range frontDoors {
				r := w.h.newClient(t).do(fd.build(clientReq{method: http.MethodGet, proto: "https", host: appHost, uri: tc.target, header: hd.Clone()}))
				if r.status/100 != 2 {
					continue
				}
				if p.cookie == "" {
					t.Errorf("%s, anonymous, %s (%s): %d, want auth required or a refusal", fd.name, tc.target, tc.why, r.status)
				}
				hit := pathcorpus.Hit{Target: tc.target, Handlers: pathcorpus.Classify(tc.target)}
				if bad := hit.Reached(p.allowed...); len(bad) > 0 {
					t.Errorf("%s, %s, %s (%s): allowed, and the app reaches %v", fd.name, p.name, tc.target, tc.why, bad)
				}
			}
		}
	}
}

// TestCatalogueAbsoluteFormRequestLine: catalogue case 31 (Traefik's
// opaque-URL advisory) in proxy mode: GET http://app.example.com/admin
// with Host: public.example.com is decided for what the upstream gets,
// never as the bypassed host; GET http://public.example.com/x with Host:
// app.example.com goes to the public route and carries no identity.
func TestCatalogueAbsoluteFormRequestLine(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	addr := h.srv.Listener.Addr().String()
	before := h.up.count()
	for _, target := range []string{"http://app.example.com/admin", "http://app.example.com/secure/x", "http://crm.example.com/", "https://crm.example.com/deals"} {
		status, body := rawGet(t, addr, publicHost, target, http.Header{"Accept": {"application/json"}})
		if status/100 == 2 || h.up.count() != before {
			t.Errorf("GET %s with Host: %s: %d %s (upstream reached: %t), want auth required or a refusal", target, publicHost, status, body, h.up.count() != before)
		}
	}
	status, body := rawGet(t, addr, appHost, "http://public.example.com/x", http.Header{"Accept": {"application/json"}})
	if status == http.StatusOK {
		seen := h.up.last(t)
		if v := valuesUnder(seen.Header, "X-Auth-User"); len(v) > 0 && v[0] != "" || strings.Contains(string(body), "admin") {
			t.Errorf("GET http://public.example.com/x with Host: %s reached the upstream with identity %q", appHost, v)
		}
	}
}
