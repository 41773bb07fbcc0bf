package frontdoor_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// checkConnectionNamesNoIdentity sends signed-in requests whose
// Connection header names the identity headers, X-Request-Id, Cookie and
// X-Forwarded-For as hop-by-hop (a proxy deletes what Connection names
// before passing a request on), and checks that the app still gets the
// identity Gatehouse answered, its assertion included (docs/contract.md,
// "Identity headers (to upstreams and in forward-auth 200s)").
func checkConnectionNamesNoIdentity(t *testing.T, w *world, aliceB *browser) {
	for _, conn := range []string{
		"close, " + strings.Join(identityHeaders, ", ") + ", X-Request-Id, X-Forwarded-For",
		"keep-alive, x-auth-assertion, X-AUTH-USER",
	} {
		t.Run(conn, func(t *testing.T) {
			aliceB.get(w.appURL+"/deals", http.Header{"Connection": {conn}}).wantStatus(t, http.StatusOK)
			got := w.app.last(t)
			vals := identityValues(got.Header)
			if !slices.Equal(vals["X-Auth-User"], []string{alice.name}) {
				t.Errorf("through %s the app got X-Auth-User %q, want %q", w.name, vals["X-Auth-User"], alice.name)
			}
			if a := vals["X-Auth-Assertion"]; len(a) != 1 || a[0] == "" {
				t.Errorf("through %s the app got X-Auth-Assertion %q, want the one Gatehouse answered", w.name, a)
			}
			if got.Header.Get("X-Forwarded-For") == "" {
				t.Errorf("through %s the app got no X-Forwarded-For", w.name)
			}
		})
	}
	if w.name == "nginx" {
		return // the shipped nginx config relays no WebSocket (no Upgrade line)
	}
	t.Run("a WebSocket handshake is still relayed as one", func(t *testing.T) {
		aliceB.get(w.appURL+"/deals/socket", http.Header{
			"Accept": {"*/*"}, "Origin": {w.appURL}, "Connection": {"Upgrade, X-Auth-User"}, "Upgrade": {"websocket"},
			"Sec-WebSocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}, "Sec-WebSocket-Version": {"13"},
		}).wantStatus(t, http.StatusOK)
		got := w.app.last(t)
		if got.Header.Get("Upgrade") != "websocket" || !strings.EqualFold(got.Header.Get("Connection"), "upgrade") {
			t.Errorf("through %s the app got Connection %q, Upgrade %q: no handshake", w.name, got.Header["Connection"], got.Header["Upgrade"])
		}
		if user := identityValues(got.Header)["X-Auth-User"]; !slices.Equal(user, []string{alice.name}) {
			t.Errorf("through %s the app got X-Auth-User %q, want %q", w.name, user, alice.name)
		}
	})
}
