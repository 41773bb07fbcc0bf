package gateway_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestUpstreamsGetNoAdminToken: an admin bearer token works on the admin
// API only, and an app never gets one (docs/contract.md, "Admin
// console"). A script sending it to a path the gateway forwards (one
// written for another portal_prefix, or a typo) handed it to the app,
// whose logs or a reader of its request headers then held the whole
// console, as the session cookie the gateway already removes would. The
// app's own Authorization passes as it came.
func TestUpstreamsGetNoAdminToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	token := h.adminToken(t, "ci")
	c := h.newClient(t)
	for _, tc := range []struct {
		name, authz string
		keep        bool
	}{
		{"the token", "Bearer " + token, false},
		{"the token, scheme in lower case", "bearer  " + token, false},
		{"a revoked or mistyped token", "Bearer ghadm_ci.AAAA", false},
		{"the app's own bearer", "Bearer app-own-token", true},
		{"the app's own Basic", "Basic YWRtaW46aHVudGVyMg==", true},
	} {
		c.do(request{host: publicHost, path: "/_gatehouse-old/api/admin/users", header: http.Header{"Authorization": {tc.authz}}}).wantStatus(t, http.StatusOK)
		got := h.up.last(t).Header["Authorization"]
		if tc.keep && (len(got) != 1 || got[0] != tc.authz) {
			t.Errorf("%s: the upstream got Authorization %q, want it as sent", tc.name, got)
		}
		if !tc.keep && (len(got) != 0 || strings.Contains(strings.Join(got, " "), "ghadm_")) {
			t.Errorf("%s: the upstream got Authorization %q, want none", tc.name, got)
		}
	}
}
