package gateway_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestSignInLandsOnThePageAskedFor checks docs/contract.md, "Proxy mode":
// a browser sent to sign in comes back to the page it asked for, as it
// asked for it. The rd of the login redirect was the decoded path, so a
// page whose address has an encoded space ("/files/Q3%20report.pdf", a
// wiki's "/Some%20Page") got rd "/files/Q3 report.pdf", which the
// redirect check refuses (no raw space in a Location): after signing in
// the person landed on "/" instead. Now rd is the path as forwarded
// (re-encoded) and the raw query.
func TestSignInLandsOnThePageAskedFor(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, target := range []string{"/files/Q3%20report.pdf?v=2", "/wiki/Caf%C3%A9%20menu", "/reports/q3?year=2024&tab=sales"} {
		t.Run(target, func(t *testing.T) {
			c := h.newClient(t)
			r := c.browse(appHost, target)
			r.wantStatus(t, http.StatusFound)
			login, err := url.Parse(r.header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			rd := login.Query().Get("rd")
			r = c.form(appHost, "/login", url.Values{"username": {bob.name}, "password": {bob.password}, "rd": {rd}})
			r.wantStatus(t, http.StatusSeeOther)
			if got := r.header.Get("Location"); got != target {
				t.Fatalf("signed in via %s, sent to %q, want %q", login, got, target)
			}
		})
	}
}
