package gateway_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestSignOutTheStoreCannotMakeKeepsTheCookie: alice signs out while the
// store is down. The session cannot be ended, so the answer is 503
// store_unavailable and the browser keeps its cookie, to sign out again
// once the store is back, which then ends the session. Before, the
// answer told the browser to drop the cookie: the session lived on in
// the store (and in any copy of the cookie), and the sign-out tried
// again, without a cookie, answered "signed out" ending nothing
// (docs/contract.md, "Sessions end when they are ended").
func TestSignOutTheStoreCannotMakeKeepsTheCookie(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// ready is run with the store up; it returns the sign-out and the
		// status that says "signed out".
		ready func(c *client) (func() reply, int)
	}{
		{"POST /api/logout", func(c *client) (func() reply, int) {
			return func() reply { return c.api(authHost, "logout", nil) }, http.StatusOK
		}},
		{"POST /logout", func(c *client) (func() reply, int) {
			vals := url.Values{"csrf": {c.csrfToken(authHost)}}
			return func() reply { return c.formRaw(authHost, "/logout", vals) }, http.StatusOK
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			c := h.newClient(t)
			c.signIn(crmHost, alice)
			id := c.cookie()
			out, signedOut := tc.ready(c)

			h.store.down.Store(true)
			r := out()
			if r.status != http.StatusServiceUnavailable {
				t.Errorf("sign-out with the store down: %d, want 503", r.status)
			}
			if clearsCookie(h, r) {
				t.Errorf("sign-out with the store down told the browser to drop its cookie (Set-Cookie %q): the session was not ended", r.header.Values("Set-Cookie"))
			}

			h.store.down.Store(false)
			if r := out(); r.status != signedOut || !clearsCookie(h, r) {
				t.Errorf("sign-out again with the store back: %d, Set-Cookie %q, want %d dropping the cookie", r.status, r.header.Values("Set-Cookie"), signedOut)
			}
			if got := h.clientWithCookie(t, id).get(crmHost, "/"); got.status != http.StatusUnauthorized {
				t.Errorf("after the sign-out was made again, the session's cookie reaches the app: %d, want 401", got.status)
			}
		})
	}
}
