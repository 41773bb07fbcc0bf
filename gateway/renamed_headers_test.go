package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestRenamedIdentityHeadersOldNamesNeverReachTheApp: with every
// identity header renamed from its default (docs/contract.md, "Identity
// headers"), a client's X-Auth-User, X-Auth-Groups, X-Auth-Assertion and
// the rest, in any spelling, still never reach the app in proxy mode,
// signed in or on a bypass route: an app still reading the old names
// while it moves to the new ones would take them for the gateway's.
// Before, only the configured names were deleted.
func TestRenamedIdentityHeadersOldNamesNeverReachTheApp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Identity.Headers = config.Headers{
			User: "X-Gate-User", Email: "X-Gate-Email", Name: "X-Gate-Name", Groups: "X-Gate-Groups",
			Phone: "X-Gate-Phone", Methods: "X-Gate-Methods", Assertion: "X-Gate-Assertion",
		}
	}})
	forged := http.Header{}
	for _, name := range []string{"X-Auth-User", "X-Auth-Email", "X-Auth-Name", "X-Auth-Groups", "X-Auth-Phone", "X-Auth-Methods", "X-Auth-Assertion"} {
		for k, vs := range headerVariants(name, "admin") {
			forged[k] = vs
		}
	}
	forged["X.Auth.Groups"] = []string{"admins"}
	signedIn := h.newClient(t)
	signedIn.signIn(crmHost, bob)
	for _, tc := range []struct {
		name string
		c    *client
		host string
	}{
		{"signed in", signedIn, crmHost},
		{"bypass route", h.newClient(t), publicHost},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.do(request{host: tc.host, path: "/x", accept: "application/json", header: forged}).wantStatus(t, http.StatusOK)
			seen := h.up.last(t).Header
			for k, vs := range seen {
				if strings.Contains(strings.ToLower(k), "auth") {
					t.Errorf("the app got the client's %s: %q", k, vs)
				}
			}
			if tc.host == crmHost {
				if got := valuesUnder(seen, "X-Gate-User"); len(got) != 1 || got[0] != "bob" {
					t.Errorf("the app's X-Gate-User = %q, want [bob]", got)
				}
			}
		})
	}
}
