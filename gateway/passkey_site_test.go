package gateway_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestIPv6SiteSharesThePasskeyStarts: passwordless passkey starts
// without a session (each writes a session and a challenge) are bounded
// per client and over all clients (auth.PasskeyStartsPerWindowAll).
// Before, the limit per client counted each /64 alone, so one holder of
// an IPv6 /48 (a tunnel broker gives one away; 65,536 /64s) spent the
// limit over all clients from a thousand of its /64s, and every other
// browser's passwordless sign-in was 429 for the rest of each window. A
// /48 is one site and shares auth.IPv6SiteShare clients' limits; a /64
// keeps its own, a start one of them refuses takes nothing of the other,
// and another /48 is not held up (docs/contract.md, "HTTP endpoints").
func TestIPv6SiteSharesThePasskeyStarts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	start := func(ip string) reply {
		t.Helper()
		return h.newClient(t).apiFrom(ip, crmHost, "passkey/login/start", map[string]bool{"passwordless": true})
	}
	asks := siteAsks(0x55, auth.PasskeyStartsPerWindow, http.StatusOK)
	for i, a := range asks {
		r := start(a.ip)
		if r.status != a.want {
			t.Fatalf("%s (%s), start %d: %d %s, want %d", a.name, a.ip, i+1, r.status, r.body, a.want)
		}
		if a.want == http.StatusTooManyRequests && r.header.Get("Retry-After") == "" {
			t.Errorf("%s: 429 without Retry-After", a.name)
		}
	}
}
