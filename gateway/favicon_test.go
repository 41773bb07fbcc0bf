package gateway_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestPortalPagesHaveTheirOwnIcon: portal pages name their icon inline,
// so browsers stop asking the protected app for /favicon.ico (a 401 for
// every page view before).
func TestPortalPagesHaveTheirOwnIcon(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.newClient(t).browse(appHost, prefix+"/login")
	r.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(r.body), `<link rel="icon" href="data:image/svg+xml,`) {
		t.Fatalf("no inline icon on the login page:\n%s", r.body)
	}
}
