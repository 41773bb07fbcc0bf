package frontdoor_test

import (
	"net/http"
	"testing"
)

// checkSocketOrigins sends WebSocket handshakes for a protected path with
// bob's session, as a browser sends them from a page of the app, of a
// sibling host and of the portal: the front door passes Sec-WebSocket-Key
// and Origin on to the forward-auth check, and a handshake from a page of
// another origin is refused (403) and never reaches the app, whose
// terminal or live API it would otherwise give that page as bob
// (docs/contract.md, "WebSocket proxying").
func checkSocketOrigins(t *testing.T, w *world, bobB *browser) {
	for _, tc := range []struct {
		name, origin string
		want         int
	}{
		{"a sibling host's page", "https://blog.example.com:" + w.port, http.StatusForbidden},
		{"the portal's page", w.authURL, http.StatusForbidden},
		{"another site's page", "https://evil.example.net", http.StatusForbidden},
		{"the app's own page", w.appURL, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := w.app.count()
			p := bobB.get(w.appURL+"/deals/socket", http.Header{
				"Accept": {"*/*"}, "Origin": {tc.origin}, "Connection": {"Upgrade"}, "Upgrade": {"websocket"},
				"Sec-WebSocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "Sec-WebSocket-Version": {"13"},
			})
			p.wantStatus(t, tc.want)
			reached := w.app.count() > before
			if reached != (tc.want == http.StatusOK) {
				t.Fatalf("answered %d, and the app reached: %v", p.status, reached)
			}
			if reached {
				if user := w.app.last(t).Header.Get("X-Auth-User"); user != "bob" {
					t.Fatalf("the app got X-Auth-User %q, want bob", user)
				}
			}
		})
	}
}
