package gateway_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestUpstreamGetsTheRequestIDWhateverTheClientSends checks
// docs/contract.md, "Logs": the app gets exactly one request id, the one
// the client is answered with and the access log records, whatever the
// client's Connection header names and however it spells its own id.
// Before, the gateway put its id on the incoming request, where
// ReverseProxy deletes every header Connection names: a client's
// "Connection: X-Request-Id" left the app without the gateway's id, and
// its "X_Request_Id" or "X.Request.Id" (HTTP_X_REQUEST_ID to CGI, PHP,
// Rack and WSGI) reached the app as the only one, which Rails and others
// log as the request's id; from a trusted proxy too, whose id is kept
// only under its own name.
func TestUpstreamGetsTheRequestIDWhateverTheClientSends(t *testing.T) {
	t.Parallel()
	const forgedID = "forged-request-id"
	for _, trust := range []struct {
		name    string
		trusted []string
	}{
		{"untrusted client", []string{"10.0.0.0/8"}},
		{"through a trusted proxy", []string{"127.0.0.1/32"}},
	} {
		h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Server.TrustedProxies = trust.trusted }})
		signedIn := h.newClient(t)
		signedIn.signIn(crmHost, alice)
		for _, tc := range []struct {
			name   string
			header http.Header
		}{
			{"Connection names it", http.Header{"Connection": {"X-Request-Id"}}},
			{"Connection names it, a spelling sent", http.Header{"Connection": {"keep-alive, X-Request-Id"}, "X_Request_Id": {forgedID}}},
			{"another spelling", http.Header{"X_Request_Id": {forgedID}}},
			{"dotted", http.Header{"X.Request.Id": {forgedID}}},
		} {
			for _, target := range []struct{ host, path string }{{publicHost, "/"}, {crmHost, "/deals"}} {
				r := signedIn.do(request{host: target.host, path: target.path, accept: "application/json", header: tc.header.Clone()})
				r.wantStatus(t, http.StatusOK)
				id := r.header.Get("X-Request-Id")
				var got []string
				for name, vs := range h.up.last(t).Header {
					if cgiName(name) == "X_REQUEST_ID" {
						got = append(got, vs...)
					}
				}
				if id == "" || id == forgedID || len(got) != 1 || got[0] != id {
					t.Errorf("%s, %s, %s%s: the app got request ids %q, the client %q; want the client's, once", trust.name, tc.name, target.host, target.path, got, id)
				}
			}
		}
	}
}
