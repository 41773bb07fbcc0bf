package gateway_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// The CSRF and client-address cases of the security catalogue (46–48,
// 65): docs/contract.md, "HTTP endpoints" and "Forward-auth protocol".

// TestCatalogueCrossSiteForms: catalogue cases 46–48 (ASVS 5.0
// V3.5.1/V3.5.3, OWASP login CSRF). A cross-site post (Origin
// https://evil.example, Sec-Fetch-Site: cross-site) without the page's
// token to the login, code, resend, logout and sign-up forms is 403, sends
// nothing and changes no session; GET and HEAD of logout and resend change
// nothing either.
func TestCatalogueCrossSiteForms(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	victim := h.newClient(t)
	victim.signIn(crmHost, bob)
	pending := h.newClient(t)
	pending.login(crmHost, alice).wantStatus(t, http.StatusOK)
	sent := h.sms.count(t)
	cross := http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}, "Sec-Fetch-Mode": {"navigate"}}
	for _, tc := range []struct {
		c    *client
		path string
		vals url.Values
	}{
		{h.newClient(t), "/login", url.Values{"username": {bob.name}, "password": {bob.password}}},
		{pending, "/otp", url.Values{"code": {"123456"}}},
		{pending, "/otp/resend", url.Values{}},
		{victim, "/logout", url.Values{}},
		{h.newClient(t), "/signup", url.Values{"username": {"mallory"}, "password": {"a-long-password-1"}, "phone": {"+12015550160"}}},
	} {
		before := tc.c.cookie()
		r := tc.c.do(request{method: http.MethodPost, host: crmHost, path: prefix + tc.path, body: strings.NewReader(tc.vals.Encode()),
			contentType: "application/x-www-form-urlencoded", accept: htmlAccept, header: cross.Clone()})
		if r.status != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d, want 403", tc.path, r.status)
		}
		if tc.c.cookie() != before {
			t.Errorf("cross-site POST %s changed the browser's session", tc.path)
		}
	}
	// The JSON API too, with the same cross-site headers.
	for _, ep := range []string{"login", "otp", "otp/resend", "logout", "signup"} {
		r := pending.do(request{method: http.MethodPost, host: crmHost, path: prefix + "/api/" + ep, body: strings.NewReader(`{"username":"bob","password":"` + bob.password + `","code":"123456"}`),
			contentType: "application/json", accept: "application/json", header: cross.Clone()})
		if r.status != http.StatusForbidden {
			t.Errorf("cross-site POST /api/%s: %d, want 403", ep, r.status)
		}
	}
	// Case 48: GET and HEAD change nothing.
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		for _, p := range []string{"/logout", "/otp/resend", "/api/logout", "/api/otp/resend"} {
			for _, c := range []*client{victim, pending} {
				r := c.do(request{method: m, host: crmHost, path: prefix + p, accept: htmlAccept, header: cross.Clone()})
				if r.status/100 == 3 || r.status == http.StatusNoContent {
					t.Errorf("%s %s: %d", m, p, r.status)
				}
			}
		}
	}
	if got := h.sms.count(t); got != sent {
		t.Errorf("%d SMS sent by cross-site posts and GETs, want none", got-sent)
	}
	victim.get(crmHost, "/deals").wantStatus(t, http.StatusOK)
	pending.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)
}

// TestCatalogueClientAddressRotation: catalogue case 65 (ASVS V15.3.4;
// caddy-security #266). A direct client rotating X-Forwarded-For,
// X-Real-IP or Forwarded per request is still one client: the per-client
// ban comes after 10 × max_failures. Behind a trusted proxy the right-most
// untrusted hop is the client, whatever the client wrote to the left.
func TestCatalogueClientAddressRotation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		trusted []string
		header  func(i int) http.Header
	}{
		{"direct, rotating X-Forwarded-For", []string{"10.0.0.0/8"}, func(i int) http.Header {
			return http.Header{"X-Forwarded-For": {"203.0.113." + strconv.Itoa(i%250)}}
		}},
		{"direct, X-Real-IP and Forwarded", []string{"10.0.0.0/8"}, func(i int) http.Header {
			return http.Header{"X-Real-Ip": {"127.0.0." + strconv.Itoa(i%250)}, "Forwarded": {"for=198.51.100." + strconv.Itoa(i%250)}}
		}},
		{"behind a trusted proxy, spoofed left-hand hops", []string{"127.0.0.1/32"}, func(i int) http.Header {
			return http.Header{"X-Forwarded-For": {"203.0.113." + strconv.Itoa(i%250) + ", 198.51.100.1"}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Server.TrustedProxies = tc.trusted }})
			try := func(i int, user, password string) reply {
				return h.newClient(t).do(request{method: http.MethodPost, host: appHost, path: prefix + "/api/login",
					body: strings.NewReader(`{"username":"` + user + `","password":"` + password + `"}`), contentType: "application/json", header: tc.header(i)})
			}
			limit := 10 * h.cfg.Regulation.MaxFailures
			for i := range limit {
				try(i, "sprayed-"+strconv.Itoa(i), "Winter2024!").wantStatus(t, http.StatusUnauthorized)
			}
			r := try(limit, "alice", alice.password)
			r.wantError(t, http.StatusTooManyRequests, "banned")
			if r.header.Get("Retry-After") == "" {
				t.Error("a ban without Retry-After")
			}
		})
	}
}

// TestCatalogueStoreDownAtTheCode: catalogue case 22 at the code step (the
// login's and forward-auth's are TestStoreDown's): with the store down the
// right code is 503, and once it is back the session is still waiting for
// its code, not signed in.
func TestCatalogueStoreDownAtTheCode(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.login(crmHost, alice).wantStatus(t, http.StatusOK)
	code := h.sms.code(t, alice.phone)
	h.store.down.Store(true)
	c.api(crmHost, "otp", map[string]string{"code": code}).wantError(t, http.StatusServiceUnavailable, "store_unavailable")
	c.form(crmHost, "/otp", url.Values{"code": {code}}).wantStatus(t, http.StatusServiceUnavailable)
	h.store.down.Store(false)
	c.get(crmHost, "/deals").wantError(t, http.StatusUnauthorized, "step_up_required")
}

// TestCatalogueBearerOfDots: catalogue case 66's last row (CVE-2025-30204)
// at the gateway: a Bearer value of dots, 60 KB or 1 MB, is refused at
// once (401, or 431 past the header limit), never an administrator.
func TestCatalogueBearerOfDots(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, n := range []int{60 << 10, 1 << 20} {
		r := h.newClient(t).do(request{host: authHost, path: prefix + "/api/admin/users", accept: "application/json",
			header: http.Header{"Authorization": {"Bearer " + strings.Repeat(".", n)}}})
		if r.status != http.StatusUnauthorized && r.status != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("Bearer of %d dots: %d %.200s, want 401 or 431", n, r.status, r.body)
		}
	}
}
