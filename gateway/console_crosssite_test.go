package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// phoneSearches is how many admin_phone_searched records the trail holds.
func phoneSearches(t *testing.T, admin *client) int {
	t.Helper()
	r := admin.get(authHost, prefix+"/api/admin/audit?event=admin_phone_searched&limit=1000")
	r.wantStatus(t, http.StatusOK)
	var trail struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(r.body, &trail); err != nil {
		t.Fatal(err)
	}
	return len(trail.Events)
}

// TestCrossSitePhoneSearchWritesNothing: a search of phone numbers is
// audited with the administrator (admin_phone_searched), which made it
// a GET with a side effect: another site's link (the session cookie is
// SameSite=Lax, sent on a top-level navigation), or an img on a
// sibling host of the same site (a proxied app's page, to which Lax and
// Strict send it alike), wrote a record in a signed-in administrator's
// name, one per request, as many as the page liked. A search by phone
// digits is made only when the browser says the console's own page
// asked for it (Sec-Fetch-Site same-origin), or with a bearer token;
// otherwise the page shows the search to run and the API answers 403
// csrf_failed, and nothing is written (docs/contract.md, "Admin
// console"). Sec-Fetch-Site none is not the console's page: a mail or
// chat app that opens a link in the browser sends it as an address
// typed does, so a link mailed to an administrator wrote a record in
// their name each time it was clicked.
func TestCrossSitePhoneSearchWritesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	const q = "?q=5550101"
	for _, tc := range []struct {
		name   string
		site   string // Sec-Fetch-Site; "" sends none
		mode   string // Sec-Fetch-Mode
		dest   string // Sec-Fetch-Dest
		accept string
		path   string
		api    bool
	}{
		{"another site's link", "cross-site", "navigate", "document", htmlAccept, "/admin/" + q, false},
		{"a sibling host's img", "same-site", "no-cors", "image", "image/avif,image/webp,*/*", "/admin/" + q, false},
		{"a sibling host's iframe", "same-site", "navigate", "iframe", htmlAccept, "/admin/" + q, false},
		{"a browser that says nothing", "", "", "", htmlAccept, "/admin/" + q, false},
		{"a link in a mail or chat app", "none", "navigate", "document", htmlAccept, "/admin/" + q, false},
		{"the API, another site's link", "cross-site", "navigate", "document", htmlAccept, "/api/admin/users" + q, true},
		{"the API, a sibling host's img", "same-site", "no-cors", "image", "*/*", "/api/admin/users" + q, true},
		{"the API, a sibling host's script", "same-site", "cors", "empty", "application/json", "/api/admin/users" + q, true},
		{"the API, a link in a mail or chat app", "none", "navigate", "document", htmlAccept, "/api/admin/users" + q, true},
	} {
		before := phoneSearches(t, admin)
		hdr := http.Header{}
		if tc.site != "" {
			hdr = http.Header{"Sec-Fetch-Site": {tc.site}, "Sec-Fetch-Mode": {tc.mode}, "Sec-Fetch-Dest": {tc.dest}}
		}
		r := admin.do(request{host: authHost, path: prefix + tc.path, accept: tc.accept, header: hdr})
		if got := phoneSearches(t, admin); got != before {
			t.Errorf("%s: %d admin_phone_searched records written in the administrator's name, want none", tc.name, got-before)
		}
		if strings.Contains(string(r.body), bob.name) {
			t.Errorf("%s: the answer lists the accounts the digits match", tc.name)
		}
		if tc.api {
			r.wantError(t, http.StatusForbidden, "csrf_failed")
		} else if r.status != http.StatusOK || !strings.Contains(string(r.body), `value="5550101"`) {
			t.Errorf("%s: %d, want 200 and the console with the search to run:\n%s", tc.name, r.status, r.body)
		}
	}
	// The console's own search and a script's with a bearer token (no
	// cookie, no Sec-Fetch-Site) are made and audited, as before.
	token := h.adminToken(t, "ci")
	for _, tc := range []struct {
		name, path string
		header     http.Header
	}{
		{"the console's own form", "/admin/" + q, http.Header{"Sec-Fetch-Site": {"same-origin"}}},
		{"the API from the console's page", "/api/admin/users" + q, http.Header{"Sec-Fetch-Site": {"same-origin"}}},
		{"a script with a bearer token", "/api/admin/users" + q, http.Header{"Authorization": {"Bearer " + token}}},
	} {
		before := phoneSearches(t, admin)
		c := admin
		if tc.header.Get("Authorization") != "" {
			c = h.newClient(t)
		}
		r := c.do(request{host: authHost, path: prefix + tc.path, accept: htmlAccept, header: tc.header})
		r.wantStatus(t, http.StatusOK)
		if !strings.Contains(string(r.body), bob.name) {
			t.Errorf("%s: bob not found by his number's digits", tc.name)
		}
		if got := phoneSearches(t, admin); got != before+1 {
			t.Errorf("%s: %d admin_phone_searched records, want 1", tc.name, got-before)
		}
	}
}

// TestMailedPhoneSearchIsNotRunBySigningIn: the console sends a page
// request without fresh proofs to sign in and back to the same address.
// The page the sign-in ends on is the portal's own (Sec-Fetch-Site
// same-origin), so a phone search in a link mailed to an administrator
// whose proofs were older than admin.max_auth_age (or who was signed
// out) was run, and audited in their name, once they signed in as the
// link led them to. The way back keeps the console's page but not a
// search of phone numbers (docs/contract.md, "Admin console").
func TestMailedPhoneSearchIsNotRunBySigningIn(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	watcher := h.newClient(t)
	watcher.signIn(crmHost, alice)
	admin := h.newClient(t)
	for _, tc := range []struct{ name, q string }{
		{"a phone search", "?q=5550101"},
		{"a phone search with a cursor", "?q=555-0101&cursor=a"},
	} {
		r := admin.do(request{host: authHost, path: prefix + "/admin/" + tc.q, accept: htmlAccept,
			header: http.Header{"Sec-Fetch-Site": {"none"}, "Sec-Fetch-Mode": {"navigate"}, "Sec-Fetch-Dest": {"document"}}})
		loc, err := url.Parse(r.header.Get("Location"))
		if r.status != http.StatusSeeOther || err != nil || loc.Path != prefix+"/login" {
			t.Fatalf("%s without a session: %d %q, want 303 to sign in", tc.name, r.status, r.header.Get("Location"))
		}
		rd := loc.Query().Get("rd")
		if !strings.HasPrefix(rd, prefix+"/admin/") {
			t.Fatalf("%s: the sign-in leads back to %q, want the console", tc.name, rd)
		}
		admin.signIn(crmHost, alice)
		before := phoneSearches(t, watcher)
		back := admin.do(request{host: authHost, path: rd, accept: htmlAccept, header: http.Header{"Sec-Fetch-Site": {"same-origin"}}})
		back.wantStatus(t, http.StatusOK)
		if got := phoneSearches(t, watcher); got != before {
			t.Errorf("%s: back from signing in at %q, %d admin_phone_searched records in alice's name, want none", tc.name, rd, got-before)
		}
		admin = h.newClient(t)
	}
	// Another search comes back whole.
	r := admin.browse(authHost, prefix+"/admin/?q=bob")
	if loc, _ := url.Parse(r.header.Get("Location")); loc == nil || loc.Query().Get("rd") != prefix+"/admin/?q=bob" {
		t.Errorf("a search by name: the sign-in leads back to %q, want it whole", r.header.Get("Location"))
	}
}
