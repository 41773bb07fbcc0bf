package gateway_test

// How much life an assertion has left when an app receives it
// (docs/contract.md, "Assertions are reused").

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestAssertionsReachAppsWithAQuarterOfTheirLife: a reused assertion
// always has at least a quarter of assertion_ttl left. Before, reuse was
// timed from the moment of signing while exp counts from iat, a whole
// second below it: signed at x.9 s, a 60 s assertion came back with 14.1 s
// left, and a 2 s one 0.4 s after it had expired, which an app that
// allows no clock skew refuses.
func TestAssertionsReachAppsWithAQuarterOfTheirLife(t *testing.T) {
	for _, ttl := range []time.Duration{2 * time.Second, time.Minute} {
		t.Run(ttl.String(), func(t *testing.T) {
			h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Identity.AssertionTTL = ttl }})
			c := h.newClient(t)
			c.signIn(appHost, bob)
			h.clock.Advance(900 * time.Millisecond) // the harness clock starts on a whole second
			c.get(appHost, "/").wantStatus(t, http.StatusOK)
			h.verify(t, h.up.last(t).Header.Get("X-Auth-Assertion"), "app")

			h.clock.Advance(ttl*3/4 - 10*time.Millisecond) // just before a reuse would end
			c.get(appHost, "/").wantStatus(t, http.StatusOK)
			claims := h.verify(t, h.up.last(t).Header.Get("X-Auth-Assertion"), "app")
			if left := claims.ExpiresAt.Sub(h.clock.Now()); left < ttl/4 {
				t.Fatalf("the app got an assertion with %s left of %s (exp %s), want at least a quarter", left, ttl, claims.ExpiresAt.Format(time.RFC3339))
			}
		})
	}
}
