package gateway_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestTrustedProxyPassesOnlyTheDecidedHost: proxy mode decides on the
// request's Host, so the X-Forwarded-Host the app gets names that host
// (docs/contract.md, "Proxy mode"). A trusted proxy's X-Forwarded-Host is
// kept only when it is that host (another port or case of it); one that
// names another host is the client's, passed on by a load balancer that
// does not set it (AWS's ALB, HAProxy by default). Before, it reached the
// app as sent: a request decided as public.example.com (bypass) reached an
// app that picks its tenant, or builds its links, from X-Forwarded-Host as
// crm.example.com (two_factor) or evil.example.net.
func TestTrustedProxyPassesOnlyTheDecidedHost(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Server.TrustedProxies = []string{"127.0.0.1/32"} }})
	for _, tc := range []struct{ sent, want string }{
		{"", publicHost},
		{publicHost, publicHost},
		{"PUBLIC.example.com", "PUBLIC.example.com"},
		{"public.example.com.", "public.example.com."},
		{publicHost + ":8443", publicHost + ":8443"},
		{crmHost, publicHost},
		{"evil.example.net", publicHost},
		{"evil.example.net, " + publicHost, publicHost},
		{publicHost + ",evil.example.net", publicHost},
		{"public.example.com.evil.example.net", publicHost},
	} {
		hdr := http.Header{"X-Forwarded-For": {"198.51.100.9"}}
		if tc.sent != "" {
			hdr["X-Forwarded-Host"] = []string{tc.sent}
		}
		h.newClient(t).do(request{host: publicHost, path: "/", header: hdr}).wantStatus(t, http.StatusOK)
		if got := h.up.last(t).Header.Values("X-Forwarded-Host"); len(got) != 1 || got[0] != tc.want {
			t.Errorf("Host %s, X-Forwarded-Host %q from a trusted proxy: the app got X-Forwarded-Host %q, want %q", publicHost, tc.sent, got, tc.want)
		}
	}
}
