package gateway_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestHostsThatAreNoHostNamesAreRefused: a Host (in forward-auth, the
// host a front door describes) that is not a host name, an IPv4 address
// or a bracketed IPv6 address, with at most a port, is refused on every
// surface (docs/contract.md, "A host that is no host name"). net/http
// takes the sub-delimiters of RFC 3986 in a Host over HTTP/1.1 (and so
// does nginx), and "evil.example.net,x.example.org" ends with
// ".example.org": before, it matched the route of "*.example.org" and
// reached its app as X-Forwarded-Host, which Express ("trust proxy") and
// Spring read as its first item, evil.example.net, when they build
// absolute links (a password reset's, mailed to its victim); forward-auth
// answered 200 for it from both endpoints.
func TestHostsThatAreNoHostNamesAreRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{edit: func(cfg *config.Config, up string) {
		cfg.Routes = append(cfg.Routes, config.Route{Name: "wild", Host: "*.example.org", PathPrefix: "/", Upstream: up, Policy: "bypass"})
	}})
	forward := func(host string) (fwd, ngx reply) {
		fwd = h.newClient(t).do(request{host: authHost, path: prefix + "/authz/forward-auth", header: http.Header{
			"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {host}, "X-Forwarded-Uri": {"/reset"},
			"X-Forwarded-Method": {"GET"}, "Accept": {"application/json"},
		}})
		ngx = h.newClient(t).do(request{host: authHost, path: prefix + "/authz/auth-request", header: http.Header{
			"X-Original-Url": {"https://" + host + "/reset"}, "X-Original-Method": {"GET"}, "Accept": {"application/json"},
		}})
		return fwd, ngx
	}
	for _, host := range []string{"x.example.org", "X.Example.ORG.", "x.example.org:8443", "x_y.example.org"} {
		h.newClient(t).get(host, "/reset").wantStatus(t, http.StatusOK)
		if got := h.up.last(t).Header.Get("X-Forwarded-Host"); got != host {
			t.Errorf("Host %q reached the app as X-Forwarded-Host %q", host, got)
		}
		fwd, ngx := forward(host)
		fwd.wantStatus(t, http.StatusOK)
		ngx.wantStatus(t, http.StatusOK)
	}
	before := h.up.count()
	for _, host := range []string{
		"evil.example.net,x.example.org",
		"evil.example.net;x.example.org",
		"evil.example.net!x.example.org",
		"evil.example.net$x.example.org",
		"evil.example.net&x.example.org",
		"evil.example.net'x.example.org",
		"evil.example.net(x).example.org",
		"evil.example.net*x.example.org",
		"evil.example.net+x.example.org",
		"evil.example.net=x.example.org",
		"evil.example.net~x.example.org",
		"evil.example.net%2cx.example.org",
		"[evil]x.example.org",
		"[::1]x.example.org",
		"x.example.org:443:443",
	} {
		r := h.newClient(t).get(host, "/reset")
		if r.status != http.StatusBadRequest {
			t.Errorf("GET /reset with Host %q answered %d, want 400", host, r.status)
		}
		fwd, ngx := forward(host)
		for name, r := range map[string]reply{"forward-auth": fwd, "auth-request": ngx} {
			if r.status != http.StatusUnauthorized || r.errorCode(t) != "unauthenticated" {
				t.Errorf("%s for host %q answered %d %s, want 401 unauthenticated", name, host, r.status, r.body)
			}
		}
	}
	h.up.mu.Lock()
	defer h.up.mu.Unlock()
	for _, r := range h.up.reqs[before:] {
		t.Errorf("the upstream got %s with X-Forwarded-Host %q", r.Path, r.Header.Get("X-Forwarded-Host"))
	}
}
