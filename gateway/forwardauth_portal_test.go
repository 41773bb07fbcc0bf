package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPortalBehindForwardAuthGetsItsCookies: a forward-auth middleware
// covering public_url's host by mistake (Traefik's on the entry point, a
// wildcard route) asks about the portal's own pages, which are always
// allowed (docs/contract.md, "The portal is never behind forward-auth"),
// and the front door copies the answer's Cookie onto the request it then
// sends to the portal. That Cookie is the client's as sent, the gateway's
// own cookies included: the portal reads its session and CSRF cookies.
// Before, they were taken out as for an app, so the portal behind such a
// middleware saw no session (a signed-in person's /api/session was 401) and
// no CSRF cookie (every sign-in form was refused 403): nobody could sign
// in. Through every front door's request shape.
func TestPortalBehindForwardAuthGetsItsCookies(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alices := h.newClient(t)
	alices.signIn(authHost, alice)
	portal := &url.URL{Scheme: "http", Host: authHost, Path: prefix + "/"}
	cookies := func(c *client) string {
		var pairs []string
		for _, ck := range c.jar.Cookies(portal) {
			pairs = append(pairs, ck.Name+"="+ck.Value)
		}
		return strings.Join(pairs, "; ")
	}
	// through asks fd about a request to the portal carrying the
	// client's cookie header, then sends it on to the portal with the
	// answer's Cookie in place of the client's, as the front doors copy
	// it (Traefik's authResponseHeaders, Caddy's copy_headers, nginx's
	// proxy_set_header Cookie).
	through := func(t *testing.T, fd frontDoor, r request, cookie string) reply {
		t.Helper()
		ask := fd.build(clientReq{method: r.method, proto: "https", host: authHost, uri: r.path,
			header: http.Header{"Accept": {r.accept}, "Cookie": {cookie}}})
		answer := h.newClient(t).do(ask)
		answer.wantStatus(t, http.StatusOK)
		copied, ok := answer.header["Cookie"]
		if !ok {
			t.Fatal("the answer has no Cookie header")
		}
		r.host = authHost
		r.header = http.Header{"Cookie": copied}
		return h.newClient(t).do(r) // no cookies of its own: the front door's
	}
	for _, fd := range frontDoors {
		t.Run(fd.name, func(t *testing.T) {
			// A signed-in person's session reaches the portal.
			r := through(t, fd, request{method: http.MethodGet, path: prefix + "/api/session", accept: "application/json"}, cookies(alices))
			r.wantStatus(t, http.StatusOK)
			if got := r.jsonMap(t)["user"]; got != "alice" {
				t.Errorf("/api/session through the middleware: user %v, want alice", got)
			}
			// A sign-in form's CSRF cookie reaches the portal.
			bobs := h.newClient(t)
			token := bobs.csrfToken(authHost)
			form := url.Values{"username": {bob.name}, "password": {bob.password}, "csrf": {token}}
			r = through(t, fd, request{method: http.MethodPost, path: prefix + "/login", accept: htmlAccept,
				contentType: "application/x-www-form-urlencoded", body: strings.NewReader(form.Encode())}, cookies(bobs))
			if r.status != http.StatusSeeOther {
				t.Errorf("sign-in form through the middleware: %d, want 303 (body %.200s)", r.status, r.body)
			}
		})
	}
}
