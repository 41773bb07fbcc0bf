package gateway_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestHostsHTTP1RefusesAreRefusedOverHTTP2: over HTTP/2 (server.tls)
// net/http takes any :authority (only "@" is refused), where HTTP/1.1
// answers 400 to a Host with a byte no host name has. Such a host is
// refused with 400 on every surface too (docs/contract.md, "A host no
// HTTP/1.1 request could carry"). Before,
// "evil.example.net/x.example.org" matched the route of "*.example.org"
// and reached its app as X-Forwarded-Host, from which apps behind a
// proxy build their links (a password reset's, mailed to its victim,
// pointed at evil.example.net).
func TestHostsHTTP1RefusesAreRefusedOverHTTP2(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{edit: func(cfg *config.Config, up string) {
		cfg.Routes = append(cfg.Routes, config.Route{Name: "wild", Host: "*.example.org", PathPrefix: "/", Upstream: up, Policy: "bypass"})
	}})
	addr := serveH2(t, h)
	if got := h2Request(t, addr, h2Get("x.example.org", "/reset"), ""); got != http.StatusOK {
		t.Fatalf("a route host over HTTP/2 answered %d, want 200", got)
	}
	before := h.up.count()
	for _, authority := range []string{
		"evil.example.net/x.example.org",
		"evil.example.net?.example.org",
		"evil.example.net#.example.org",
		`evil.example.net\.example.org`,
		"evil.example.net .example.org",
		"evil.example.net\t.example.org",
		"evil.example.net\"<x>.example.org",
	} {
		for _, path := range []string{"/reset", prefix + "/login"} {
			if got := h2Request(t, addr, h2Get(authority, path), ""); got != http.StatusBadRequest {
				t.Errorf("GET %s on :authority %q answered %d, want 400", path, authority, got)
			}
		}
	}
	h.up.mu.Lock()
	defer h.up.mu.Unlock()
	for _, r := range h.up.reqs[before:] {
		t.Errorf("the upstream got %s with X-Forwarded-Host %q", r.Path, r.Header.Get("X-Forwarded-Host"))
	}
}
