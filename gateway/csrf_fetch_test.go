package gateway_test

import (
	"net/http"
	"testing"
)

// TestJSONAPIRefusesOtherSitesRequestsWithoutOrigin: a JSON endpoint that
// takes a bodiless POST (logout, resend) refuses one another site's page
// made, by its Sec-Fetch-Site, when it carries no Origin (a browser or
// extension that strips Origin and keeps Sec-Fetch-*), as it refuses one
// with a foreign Origin. Before, only the Origin was read: with none,
// POST /api/logout from another site answered 200 and signed the person
// out, and /api/otp/resend sent a text.
func TestJSONAPIRefusesOtherSitesRequestsWithoutOrigin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	victim := h.newClient(t)
	victim.signIn(crmHost, bob)
	for _, site := range []string{"cross-site", "same-site"} {
		for _, ep := range []string{"otp/resend", "logout"} {
			sent := h.sms.count(t)
			r := victim.do(request{method: http.MethodPost, host: crmHost, path: prefix + "/api/" + ep,
				accept: "application/json", header: http.Header{"Sec-Fetch-Site": {site}, "Sec-Fetch-Mode": {"no-cors"}}})
			if r.status != http.StatusForbidden {
				t.Errorf("%s bodiless POST /api/%s without Origin: %d, want 403", site, ep, r.status)
			}
			if h.sms.count(t) != sent {
				t.Errorf("%s POST /api/%s sent a text", site, ep)
			}
		}
	}
	victim.get(crmHost, "/deals").wantStatus(t, http.StatusOK) // still signed in
	// The portal's own script (same-origin) and clients that are no
	// browser (no Sec-Fetch-Site) are served as before.
	r := victim.do(request{method: http.MethodPost, host: crmHost, path: prefix + "/api/logout",
		accept: "application/json", header: http.Header{"Sec-Fetch-Site": {"same-origin"}}})
	r.wantStatus(t, http.StatusOK)
	other := h.newClient(t)
	other.signIn(crmHost, alice)
	other.do(request{method: http.MethodPost, host: crmHost, path: prefix + "/api/logout", accept: "application/json"}).wantStatus(t, http.StatusOK)
}
