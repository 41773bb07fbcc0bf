package gateway_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestBrowserCredentialsAreNoBearerToken: a search of phone numbers is
// audited with the administrator, so it is made only for the console's
// own page (Sec-Fetch-Site same-origin) or a bearer token. Before, any
// Authorization header counted as a bearer token: a browser sends the
// front door's HTTP Basic credentials (an auth_basic in front of the
// console, defence in depth) or its Windows sign-in (Negotiate) with
// every request to the host by itself, another site's link and a
// mailed one included, so with such a front door each click wrote an
// admin_phone_searched record in the signed-in administrator's name,
// the same-origin check skipped. The header proves nothing the cookie
// does not: the console's page leaves the search for the person to run,
// and the API, judged by the header alone, is 401 invalid_token
// (docs/contract.md, "Admin console").
func TestBrowserCredentialsAreNoBearerToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	const q = "?q=5550101"
	for _, tc := range []struct {
		name, authz, site, path string
		api                     bool
	}{
		{"another site's link, Basic", "Basic YWRtaW46aHVudGVyMg==", "cross-site", "/admin/" + q, false},
		{"a mailed link, Basic", "Basic YWRtaW46aHVudGVyMg==", "none", "/admin/" + q, false},
		{"another site's link, Negotiate", "Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnagMDAu", "cross-site", "/admin/" + q, false},
		{"a browser that says nothing, Basic", "Basic YWRtaW46aHVudGVyMg==", "", "/admin/" + q, false},
		{"the API, another site's link, Basic", "Basic YWRtaW46aHVudGVyMg==", "cross-site", "/api/admin/users" + q, true},
	} {
		before := phoneSearches(t, admin)
		hdr := http.Header{"Authorization": {tc.authz}}
		if tc.site != "" {
			hdr.Set("Sec-Fetch-Site", tc.site)
			hdr.Set("Sec-Fetch-Mode", "navigate")
			hdr.Set("Sec-Fetch-Dest", "document")
		}
		r := admin.do(request{host: authHost, path: prefix + tc.path, accept: htmlAccept, header: hdr})
		if got := phoneSearches(t, admin); got != before {
			t.Errorf("%s: %d admin_phone_searched records written in the administrator's name, want none", tc.name, got-before)
		}
		if strings.Contains(string(r.body), bob.name) {
			t.Errorf("%s: the answer lists the accounts the digits match", tc.name)
		}
		if tc.api {
			r.wantError(t, http.StatusUnauthorized, "invalid_token")
		} else if r.status != http.StatusOK || !strings.Contains(string(r.body), `value="5550101"`) {
			t.Errorf("%s: %d, want 200 and the console with the search to run:\n%s", tc.name, r.status, r.body)
		}
	}
	// The console's own search, the browser's credentials beside it, is
	// made and audited as before.
	before := phoneSearches(t, admin)
	r := admin.do(request{host: authHost, path: prefix + "/admin/" + q, accept: htmlAccept,
		header: http.Header{"Authorization": {"Basic YWRtaW46aHVudGVyMg=="}, "Sec-Fetch-Site": {"same-origin"}}})
	r.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(r.body), bob.name) || phoneSearches(t, admin) != before+1 {
		t.Errorf("the console's own search with Basic credentials beside it: not made and audited once")
	}
}
