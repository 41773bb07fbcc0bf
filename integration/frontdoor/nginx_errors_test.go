package frontdoor_test

import (
	"net/http"
	"os"
	"testing"
	"time"
)

// siteErrorPages is what a site's server block often holds: its own
// error pages for every error, the app's (proxy_intercept_errors) and
// nginx's own, served by a location of its own, here one that answers
// 200 as a defective error page service does (ingress-nginx,
// CVE-2026-24513). Both directives are inherited by every location of the
// server that does not set its own, the snippets' subrequest included.
const siteErrorPages = `    proxy_intercept_errors on;
    error_page 401 403 404 500 502 503 504 = @site_errors;
    location @site_errors {
        default_type text/html;
        return 200 "<h1>Sorry, something went wrong</h1>\n";
    }
`

// TestNginxSiteErrorPages runs the shipped nginx files in a server block
// that has error pages of its own (siteErrorPages): Gatehouse's refusal,
// and nginx's failure to reach Gatehouse, must stay refusals. An auth
// subrequest whose 401 or 502 became an error page's 200 would let the
// request through to the app (docs/integrations.md).
func TestNginxSiteErrorPages(t *testing.T) {
	t.Parallel()
	n := startNginx(t, siteErrorPages)
	w := n.world
	bobB := signInBoth(t, w, bob)
	for _, tc := range []struct {
		name   string
		b      *browser
		path   string
		accept string
		status int
	}{
		{"anonymous API GET", newBrowser(t, w.roots), "/deals", "application/json", http.StatusUnauthorized},
		{"anonymous browser GET", newBrowser(t, w.roots), "/deals", htmlAccept, http.StatusFound},
		{"signed in, not in the group", bobB, "/admin/x", "application/json", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := w.app.count()
			p := tc.b.get(w.appURL+tc.path, http.Header{"Accept": {tc.accept}})
			if p.status != tc.status {
				t.Errorf("status %d, want %d (body %.200q)", p.status, tc.status, p.body)
			}
			if got := w.app.count() - before; got != 0 {
				t.Errorf("%d requests reached the app as %s", got, tc.name)
			}
		})
	}
	t.Run("signed in, allowed", func(t *testing.T) {
		bobB.get(w.appURL+"/deals", http.Header{"Accept": {"application/json"}}).wantStatus(t, http.StatusOK)
		if user := w.app.last(t).Header.Get("X-Auth-User"); user != bob.name {
			t.Errorf("the app got X-Auth-User %q", user)
		}
	})
	t.Run("with Gatehouse down the front door fails closed", func(t *testing.T) {
		w.gh.proc.Stop(os.Interrupt, 10*time.Second)
		before := w.app.count()
		for _, path := range []string{"/deals", "/public/x"} {
			for _, b := range []*browser{newBrowser(t, w.roots), bobB} {
				if p := b.get(w.appURL+path, nil); p.status < 400 {
					t.Errorf("GET %s with Gatehouse down: %d, want an error", path, p.status)
				}
			}
		}
		if got := w.app.count() - before; got != 0 {
			t.Errorf("%d requests reached the app with Gatehouse down", got)
		}
	})
}
