package gateway_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The open-redirect cases of the security catalogue, sent as a browser
// sends them: the rd of the login page's address exactly as it stands on
// the request line, then the password and the text code, and the Location
// the code's answer gives (docs/contract.md, "Redirect targets"). Each row
// names its catalogue case and the advisory it comes from.

var (
	hiddenRD = regexp.MustCompile(`name="rd" value="([^"]*)"`)
	// scriptURL finds a link, form or source on a page whose address
	// would run script or leave the site by scheme.
	scriptURL = regexp.MustCompile(`(?i)(href|src|action|formaction|data-next)="\s*(javascript|vbscript|data:text)`)
)

// signInThroughPages loads the login page with rawRD as its rd query
// (verbatim on the request line), signs alice in with her password and
// code through the pages, and returns the login page and the Location of
// the code's answer.
func signInThroughPages(t *testing.T, h *harness, host, rawRD string) (page, location string) {
	t.Helper()
	status, body := rawGet(t, h.srv.Listener.Addr().String(), host, prefix+"/login?rd="+rawRD, http.Header{"Accept": {htmlAccept}})
	if status != http.StatusOK {
		t.Fatalf("login page: %d %s", status, body)
	}
	page = string(body)
	rd := ""
	if m := hiddenRD.FindStringSubmatch(page); m != nil {
		rd = html.UnescapeString(m[1])
	}
	c := h.newClient(t)
	r := c.form(host, "/login", url.Values{"username": {alice.name}, "password": {alice.password}, "rd": {rd}})
	r.wantStatus(t, http.StatusSeeOther)
	otpURL, err := url.Parse(r.header.Get("Location"))
	if err != nil || otpURL.Path != prefix+"/otp" {
		t.Fatalf("after the password: Location %q, want the code page", r.header.Get("Location"))
	}
	r = c.form(host, "/otp", url.Values{"code": {h.sms.code(t, alice.phone)}, "rd": {otpURL.Query().Get("rd")}})
	r.wantStatus(t, http.StatusSeeOther)
	return page, r.header.Get("Location")
}

// TestCatalogueOpenRedirects: catalogue cases 1–12 (ASVS V5.1.5/V3.7.2;
// CVE-2020-5233, CVE-2020-11053, CVE-2020-4037, CVE-2021-21291,
// CVE-2019-3877, CVE-2019-13038): after a valid password and code, a
// browser is sent to the default URL ("/") unless rd is a path of this
// host or an allowed host on its port and scheme; no page links to a
// script URL.
func TestCatalogueOpenRedirects(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name, raw, want string
	}{
		{"1 absolute foreign host", "https://evil.example/", "/"},
		{"2 protocol-relative", "//evil.example", "/"},
		{"2 triple slash", "///evil.example", "/"},
		{"3 slash backslash (CVE-2019-3877)", `/\evil.example`, "/"},
		{"3 backslash slash", `\/evil.example`, "/"},
		{"3 encoded backslash", "/%5Cevil.example", "/"},
		{"3 two backslashes", `\\evil.example`, "/"},
		{"4 tab between slashes (CVE-2020-11053)", "/%09/evil.example", "/"},
		{"4 LF between slashes", "/%0a/evil.example", "/"},
		{"4 CR between slashes", "/%0d/evil.example", "/"},
		{"4 VT between slashes", "/%0b/evil.example", "/"},
		{"4 space between slashes", "/%20/evil.example", "/"},
		{"5 https: without slashes (CVE-2019-13038)", "https:evil.example", "/"},
		{"5 http: without slashes", "http:evil.example", "/"},
		{"5 https: one slash", "https:/evil.example", "/"},
		{"6 userinfo naming the app", "https://app.example.com@evil.example/", "/"},
		{"6 backslash before the at sign", `https://evil.example\@app.example.com/`, "/"},
		{"7 allowed host as a prefix (CVE-2021-21291)", "https://app.example.com.evil.example/", "/"},
		{"7 suffix without the dot", "https://evilexample.com/", "/"},
		{"7 allowed host in the query", "https://evil.example/?x=app.example.com", "/"},
		{"8 port not allowed", "https://app.example.com:8443/", "/"},
		{"8 downgrade to http", "http://app.example.com/", "/"},
		{"9 javascript", "javascript:alert(1)", "/"},
		{"9 javascript mixed case", "JaVaScRiPt:alert(1)", "/"},
		{"9 data URL", "data:text/html,%3Cscript%3Ealert(1)%3C/script%3E", "/"},
		{"9 vbscript", "vbscript:msgbox(1)", "/"},
		{"10 Cyrillic a in the host", "https://%D0%B0pp.example.com/", "/"},
		{"10 ideographic full stop", "https://evil.example%E3%80%82app.example.com", "/"},
		{"10 fullwidth solidus", "%EF%BC%8F%EF%BC%8Fevil.example", "/"},
		{"11 dot segment then backslash", `/./\evil.example`, "/"},
		{"11 dot-dot segments then backslash", `/./../../\evil.example`, "/"},
		{"11 encoded slashes", "/%2F%2Fevil.example", "/"},
		{"11 double-encoded slashes", "%252F%252Fevil.example", "/"},
		{"12 same-origin path kept (positive control)", "/dashboard%3Fx%3D1%23frag", "/dashboard?x=1#frag"},
		{"12 allowed app host kept (positive control)", "https://crm.example.com/inbox", "https://crm.example.com/inbox"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Each row is a new sign-in of alice: a window of the send
			// quota apart, so the quota is not what is tested.
			h.clock.Advance(2 * time.Hour)
			page, got := signInThroughPages(t, h, crmHost, tt.raw)
			if got != tt.want {
				t.Errorf("rd=%s: Location %q after password and code, want %q", tt.raw, got, tt.want)
			}
			if m := scriptURL.FindString(page); m != "" {
				t.Errorf("rd=%s: the login page links to %q", tt.raw, m)
			}
			if strings.Contains(strings.ToLower(page), "evil.example") {
				t.Errorf("rd=%s: the login page names evil.example", tt.raw)
			}
		})
	}
}

// TestCatalogueLogoutRedirect: catalogue cases 13 and 41 (CVE-2019-3877's logout
// redirect): GET /logout?rd=//evil.example changes nothing (the session
// still works), the POST ends the session in the store, and neither page
// links anywhere but this host; the old cookie then opens nothing.
func TestCatalogueLogoutRedirect(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.signIn(crmHost, alice)
	old := c.cookie()
	for _, raw := range []string{"//evil.example", `/\evil.example`, "https://evil.example/"} {
		r := c.browse(crmHost, prefix+"/logout?rd="+raw)
		r.wantStatus(t, http.StatusOK)
		if strings.Contains(string(r.body), "evil.example") {
			t.Errorf("logout page for rd=%s names evil.example", raw)
		}
	}
	c.get(crmHost, "/deals").wantStatus(t, http.StatusOK) // GET ended nothing
	r := c.form(crmHost, "/logout?rd=//evil.example", url.Values{"rd": {"//evil.example"}})
	if r.status != http.StatusOK && r.status != http.StatusSeeOther {
		t.Fatalf("POST /logout: %d %s", r.status, r.body)
	}
	if loc := r.header.Get("Location"); strings.Contains(loc, "evil.example") {
		t.Errorf("logout Location %q", loc)
	}
	if strings.Contains(string(r.body), "evil.example") {
		t.Errorf("the signed-out page names evil.example:\n%s", r.body)
	}
	// Case 41: the old cookie is dead in the store, for proxy mode and
	// for every front door.
	h.clientWithCookie(t, old).get(crmHost, "/deals").wantError(t, http.StatusUnauthorized, "unauthenticated")
	for _, fd := range frontDoors {
		r := h.newClient(t).do(fd.build(clientReq{method: "GET", proto: "https", host: crmHost, uri: "/deals",
			header: http.Header{"Accept": {"application/json"}, "Cookie": {h.cfg.Session.CookieName + "=" + old}}}))
		if r.status != http.StatusUnauthorized {
			t.Errorf("%s after logout: %d, want 401", fd.name, r.status)
		}
	}
}
