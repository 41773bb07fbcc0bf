package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestUpstreamsGetNoSessionUnderAnyPrefix: the session cookie is removed
// from every forwarded request under each name it has had
// (docs/contract.md, "Proxy mode"), not only the one on the wire now.
// Setting or clearing session.cookie_domain moves the name between
// __Host- and __Secure-, and browsers keep the cookie they got under the
// other for as long as it lives: before, that cookie, a live session id,
// reached every app on its host (and their logs), where whoever read it
// signed in as its owner under the name on the wire.
func TestUpstreamsGetNoSessionUnderAnyPrefix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, domain, wire, old string }{
		{"cookie_domain set since", cookieDomain, "__Secure-gatehouse_session", "__Host-gatehouse_session"},
		{"cookie_domain cleared since", "", "__Host-gatehouse_session", "__Secure-gatehouse_session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
				cfg.Session.Secure = true
				cfg.Session.CookieDomain = tc.domain
			}})
			r := h.newClient(t).login(appHost, bob)
			r.wantStatus(t, http.StatusOK)
			ck := r.setCookie(tc.wire)
			if ck == nil {
				t.Fatalf("no %s set: %q", tc.wire, r.header["Set-Cookie"])
			}
			anon := h.newClient(t)
			for _, cookie := range []string{
				"app=1; " + tc.old + "=" + ck.Value,
				tc.old + "=" + ck.Value + "; app=1",
				"app=1; __host-gatehouse_session=" + ck.Value + "; __SECURE-gatehouse_session=" + ck.Value,
			} {
				anon.do(request{host: publicHost, path: "/", header: http.Header{"Cookie": {cookie}}}).wantStatus(t, http.StatusOK)
				got := h.up.last(t).Header["Cookie"]
				if len(got) != 1 || got[0] != "app=1" {
					t.Errorf("Cookie %q: the upstream got Cookie %q, want [app=1]", cookie, got)
				}
				if strings.Contains(strings.Join(got, ";"), ck.Value) {
					live := anon.do(request{host: appHost, path: prefix + "/api/session", accept: "application/json",
						header: http.Header{"Cookie": {tc.wire + "=" + ck.Value}}}).status
					t.Errorf("the id the upstream got signs in under %s: %d", tc.wire, live)
				}
			}
		})
	}
}
