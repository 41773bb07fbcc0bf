package frontdoor_test

import (
	"net/url"
	"testing"
)

// checkAppRedirectsDecided: an app's answer cannot take the request to a
// path Gatehouse did not decide on (docs/contract.md, "Forward-auth
// protocol"). nginx acts on an upstream's X-Accel-Redirect by running
// the request again, internally, on the path it names, and the
// auth_request it then makes describes the request as the client sent
// it ($request_uri): the decision is the first path's. An app with a
// header injection (or whoever controls its answers) on a path a person
// may use thus led that person's request to one they may not, with
// their identity, or an anonymous one from a bypassed path.
func checkAppRedirectsDecided(t *testing.T, w *world, bobB *browser) {
	t.Helper()
	cases := []struct {
		name string
		b    *browser
		from string // a path the person may use
	}{
		{"anonymous, from a bypassed path", newBrowser(t, w.roots), "/public/report"},
		{"bob (not an admin), from the app", bobB, "/deals"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := w.app.count()
			target := "/admin/users"
			p := c.b.get(w.appURL+c.from+"?inject-accel="+url.QueryEscape(target), nil)
			w.app.mu.Lock()
			reached := append([]seen(nil), w.app.reqs[before:]...)
			w.app.mu.Unlock()
			for _, r := range reached {
				if r.Path == target {
					t.Fatalf("the app's X-Accel-Redirect took the request from %s to %s (as %q), which Gatehouse never decided on (answer %d)",
						c.from, target, r.Header.Get("X-Auth-User"), p.status)
				}
			}
			if len(reached) != 1 || reached[0].Path != c.from {
				t.Fatalf("the app got %d requests, want the one for %s: %+v", len(reached), c.from, reached)
			}
		})
	}
}
