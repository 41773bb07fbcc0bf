package gateway_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
	"golang.org/x/net/http2/hpack"
)

// TestConnectIsNeverForwarded: a CONNECT never reaches an upstream, over
// HTTP/1.1 or HTTP/2, in any case, on any route (docs/contract.md, "Proxy
// mode"). net/http's Transport sends a CONNECT's body of unknown length
// (an HTTP/2 stream without content-length) unframed and makes a 2xx
// answer a raw tunnel: before, a CONNECT over HTTP/2 to a bypassed path
// under a wildcard route ("/x.example.org" as :authority, which is both
// its host and its path) carried, as its body, a request the upstream
// read next on the same connection, with whatever identity headers the
// attacker wrote and without any decision.
func TestConnectIsNeverForwarded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{edit: func(cfg *config.Config, up string) {
		cfg.Routes = append(cfg.Routes, config.Route{Name: "wild", Host: "*.example.org", PathPrefix: "/", Upstream: up, Policy: "password", BypassPaths: []string{"/static/"}})
	}})
	addr := serveH2(t, h)
	smuggled := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: x.example.org\r\nX-Auth-User: alice\r\nX-Auth-Groups: admins\r\n\r\n", smuggledPath)
	status := h2Request(t, addr, []hpack.HeaderField{
		{Name: ":method", Value: "CONNECT"}, {Name: ":authority", Value: "/static/x.example.org"},
	}, smuggled)
	if status < 400 || status >= 500 {
		t.Errorf("CONNECT over HTTP/2 answered %d, want it refused", status)
	}

	plain := h.srv.Listener.Addr().String()
	for _, method := range []string{"CONNECT", "connect"} {
		answers := rawExchange(t, plain, fmt.Sprintf("%s /x HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", method, publicHost))
		if len(answers) != 1 || answers[0].StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s over HTTP/1.1 on a bypass route: answers %v, want one 405", method, answers)
		}
	}

	h.up.mu.Lock()
	defer h.up.mu.Unlock()
	for _, r := range h.up.reqs {
		switch {
		case r.Path == smuggledPath:
			t.Errorf("a request carried in a CONNECT's body reached the upstream as %s (X-Auth-User %q)", r.Path, r.Header.Get("X-Auth-User"))
		case r.Method == http.MethodConnect:
			t.Errorf("a CONNECT %s reached the upstream", r.Path)
		}
	}
}
