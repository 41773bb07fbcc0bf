package gateway_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// phoneSearchRDs are rd values that name a search of phone numbers.
var phoneSearchRDs = []string{
	prefix + "/admin/?q=5550101",
	prefix + "/admin/?q=555-0101&cursor=a",
	prefix + "/admin/?q=+1%20201%20555%200101",
	publicURL + prefix + "/admin/?q=5550101",
	prefix + "/%61dmin/?q=5550101",
	prefix + "/api/admin/users?q=5550101",
	publicURL + prefix + "/api/admin/users?q=5550101&cursor=a",
}

var consoleHref = regexp.MustCompile(`href="([^"]*/(?:admin|%61dmin|api/admin/users)[^"]*)"`)

// TestRDLeadsToNoPhoneSearch: no link or redirect of the portal leads to
// a search of phone numbers, whatever rd its address asked for
// (docs/contract.md, "Redirect targets"). The console runs such a
// search, audited in the administrator's name, only when the browser
// says the console's own page asked for it (Sec-Fetch-Site
// same-origin), which a click on a portal page's link is: before, a
// link mailed to a signed-in administrator,
// /_gatehouse/logout?rd=/_gatehouse/admin/?q=5550101, made its Cancel
// (and the account page's link back, the offer of recovery codes' Not
// now) run and audit the search.
func TestRDLeadsToNoPhoneSearch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	ownPage := http.Header{"Sec-Fetch-Site": {"same-origin"}, "Sec-Fetch-Mode": {"navigate"}, "Sec-Fetch-Dest": {"document"}}
	for _, rd := range phoneSearchRDs {
		for _, page := range []string{"/logout", "/account", "/recovery-codes"} {
			r := admin.browse(authHost, prefix+page+"?rd="+url.QueryEscape(rd))
			r.wantStatus(t, http.StatusOK)
			links := consoleHref.FindAllSubmatch(r.body, -1)
			if len(links) == 0 {
				t.Errorf("rd=%s: %s has no link back to the console", rd, page)
			}
			for _, m := range links {
				href := strings.TrimPrefix(html.UnescapeString(string(m[1])), publicURL)
				before := phoneSearches(t, admin)
				admin.do(request{host: authHost, path: href, accept: htmlAccept, header: ownPage})
				if got := phoneSearches(t, admin); got != before {
					t.Errorf("rd=%s: %s links to %q, which wrote %d admin_phone_searched records in alice's name, want none", rd, page, href, got-before)
				}
			}
		}
	}
}

// TestSignInLeadsToNoPhoneSearch: a sign-in whose rd names a search of
// phone numbers ends on no search (docs/contract.md, "Redirect
// targets"); another search, and an app's own query, come back whole.
func TestSignInLeadsToNoPhoneSearch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	watcher := h.newClient(t)
	watcher.signIn(crmHost, alice)
	ownPage := http.Header{"Sec-Fetch-Site": {"same-origin"}, "Sec-Fetch-Mode": {"navigate"}, "Sec-Fetch-Dest": {"document"}}
	for _, rd := range phoneSearchRDs {
		admin := h.newClient(t)
		next := signInTo(t, h, admin, rd)
		before := phoneSearches(t, watcher)
		admin.do(request{host: authHost, path: strings.TrimPrefix(next, publicURL), accept: htmlAccept, header: ownPage})
		if got := phoneSearches(t, watcher); got != before {
			t.Errorf("rd=%s: the sign-in ended on %q and %d admin_phone_searched records were written in alice's name, want none", rd, next, got-before)
		}
	}
	for _, rd := range []string{prefix + "/admin/?q=bob", "https://crm.example.com/search?q=5550101"} {
		admin := h.newClient(t)
		if got := signInTo(t, h, admin, rd); got != rd {
			t.Errorf("rd=%s: the sign-in ends on %q, want it whole", rd, got)
		}
	}
}

// signInTo signs alice in with the portal's forms, rd asked for, and
// returns where the sign-in ends.
func signInTo(t *testing.T, h *harness, c *client, rd string) string {
	t.Helper()
	r := c.form(authHost, "/login", url.Values{"username": {alice.name}, "password": {alice.password}, "rd": {rd}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("rd=%s: password %d", rd, r.status)
	}
	if loc, err := url.Parse(r.header.Get("Location")); err == nil && loc.Path == prefix+"/otp" {
		r = c.form(authHost, "/otp", url.Values{"code": {h.sms.code(t, alice.phone)}, "rd": {rd}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("rd=%s: code %d", rd, r.status)
		}
	}
	return r.header.Get("Location")
}
