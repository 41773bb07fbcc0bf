package gateway_test

import (
	"net/http"
	"testing"
)

// TestWrongMethodIs405: a portal or API path asked with a method it does
// not take is 405 with Allow (before, 404 no_route sent scripts looking
// for a missing endpoint).
func TestWrongMethodIs405(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	for _, tc := range []struct{ method, path, allow string }{
		{http.MethodGet, prefix + "/api/login", "POST"},
		{http.MethodGet, prefix + "/api/logout", "POST"},
		{http.MethodPost, prefix + "/api/session", "GET"},
		{http.MethodPost, prefix + "/authz/forward-auth", "GET"},
	} {
		r := c.do(request{method: tc.method, host: appHost, path: tc.path, accept: "application/json"})
		r.wantError(t, http.StatusMethodNotAllowed, "method_not_allowed")
		if got := r.header.Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
	// A path no endpoint has is still 404.
	c.get(appHost, prefix+"/api/nothing").wantError(t, http.StatusNotFound, "no_route")
}
