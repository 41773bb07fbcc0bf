package gateway_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestForwardAuthOffAnswersNothing: with server.forward_auth false (a
// gateway that only proxies, behind a load balancer in trusted_proxies),
// a signed-in person's own request for the forward-auth endpoints, with a
// description of its choosing, as a script in a proxied app would send
// it, is the portal's 404 on every host: no allow, no identity, no
// assertion. With the default, the same request is answered (the
// endpoints' known limit, docs/contract.md, "Forward-auth protocol").
func TestForwardAuthOffAnswersNothing(t *testing.T) {
	t.Parallel()
	for _, on := range []bool{true, false} {
		h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Server.ForwardAuth = on }})
		c := h.newClient(t)
		c.api(appHost, "login", map[string]any{"username": bob.name, "password": bob.password}).wantStatus(t, http.StatusOK)
		for _, path := range []string{"/authz/auth-request", "/authz/forward-auth"} {
			for _, host := range []string{appHost, authHost} {
				r := c.do(request{host: host, path: prefix + path, header: http.Header{
					"X-Original-Url":     {"http://" + appHost + "/"},
					"X-Original-Method":  {"GET"},
					"X-Forwarded-Proto":  {"http"},
					"X-Forwarded-Host":   {appHost},
					"X-Forwarded-Uri":    {"/"},
					"X-Forwarded-Method": {"GET"},
				}})
				if on {
					if r.status != http.StatusOK || r.header.Get("X-Auth-User") != bob.name {
						t.Errorf("forward_auth on, %s%s: %d user %q, want 200 for bob", host, path, r.status, r.header.Get("X-Auth-User"))
					}
					continue
				}
				if r.status != http.StatusNotFound {
					t.Errorf("forward_auth off, %s%s: %d, want 404", host, path, r.status)
				}
				if u, a := r.header.Get("X-Auth-User"), r.header.Get("X-Auth-Assertion"); u != "" || a != "" {
					t.Errorf("forward_auth off, %s%s: answer names %q, assertion %d bytes", host, path, u, len(a))
				}
			}
		}
	}
}
