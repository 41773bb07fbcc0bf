package gateway_test

import (
	"net/http"
	"slices"
	"testing"
)

// TestForwardAuthAnswersTheAppsCookies checks the Cookie header of a
// forward-auth 200, which the shipped front door configs copy onto the
// request to the app (docs/contract.md, "Forward-auth protocol"): the
// client's cookies as sent, less the gateway's under every name they may
// have had, in any case; present and empty when none is left, so that a
// front door copying it never passes the client's own on. Before, the
// answer had none and the app got the session cookie, a live session for
// every app and the portal under session.cookie_domain. The answer about
// a page of the portal itself (always allowed) is no different: an answer
// is read by whoever reaches the endpoint (a script, through a load
// balancer in trusted_proxies), and must never hold the HttpOnly session.
func TestForwardAuthAnswersTheAppsCookies(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alices := h.newClient(t)
	alices.signIn(crmHost, alice)
	name := h.cfg.Session.CookieName
	session := name + "=" + alices.cookie()
	gateways := "__Host-" + name + "=x1; __SECURE-" + name + "=x2; " + name + "_csrf=x3; " + h.deviceCookieName() + "=x4"
	c := h.newClient(t)
	for _, fd := range frontDoors {
		for _, tc := range []struct {
			name, host, cookie string
			uri                string   // "/deals" if empty
			want               []string // the answer's Cookie lines
		}{
			{"signed in, with the app's cookies", crmHost, "theme=dark; " + session + "; " + gateways + "; cart=a%20b", "", []string{"theme=dark; cart=a%20b"}},
			{"signed in, only the gateway's cookies", crmHost, session + "; " + gateways, "", []string{""}},
			{"bypass, no cookie at all", publicHost, "", "", []string{""}},
			{"bypass, a stale session", publicHost, name + "=stale; lang=en", "", []string{"lang=en"}},
			{"signed in, the portal's own page", authHost, "theme=dark; " + session + "; " + gateways, prefix + "/login", []string{"theme=dark"}},
		} {
			t.Run(fd.name+"/"+tc.name, func(t *testing.T) {
				hdr := http.Header{"Accept": {"application/json"}}
				if tc.cookie != "" {
					hdr["Cookie"] = []string{tc.cookie}
				}
				uri := tc.uri
				if uri == "" {
					uri = "/deals"
				}
				r := c.do(fd.build(clientReq{method: "GET", proto: "https", host: tc.host, uri: uri, header: hdr}))
				r.wantStatus(t, http.StatusOK)
				if got := r.header["Cookie"]; !slices.Equal(got, tc.want) {
					t.Errorf("the answer's Cookie is %q, want %q", got, tc.want)
				}
			})
		}
	}
}
