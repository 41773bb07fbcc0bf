package gateway_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestPlantedDeviceValuesPushNoAccountOut: alice and bob share a browser,
// which is the known device of both. A sibling subdomain sets a
// known-device cookie of three values on the parent domain under a
// longer path, so that the browser sends it before its own; alice signs
// in again there, and the gateway rewrites the cookie; an outsider then
// bans bob. The browser is still bob's known device: values the gateway
// did not make (forged in the shape of the previous version's, with a
// far expiry), and more than one value of one account (the attacker's
// own, signed in three times elsewhere), take no slot from the browser's
// accounts (docs/contract.md, "Known devices"). Before, the rewrite kept
// the first three values of the right shape and expiry whatever they
// were, bob's own was pushed out of the four, and the outsider's ban held
// him out of his own browser (429 banned).
func TestPlantedDeviceValuesPushNoAccountOut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		plant func(t *testing.T, h *harness) []string
	}{
		{"forged values", func(t *testing.T, _ *harness) []string {
			var out []string
			for range 3 {
				raw := make([]byte, 40) // nonce, expiry, MAC: the previous version's shape
				if _, err := rand.Read(raw); err != nil {
					t.Fatal(err)
				}
				binary.BigEndian.PutUint64(raw[16:], uint64(time.Now().Add(300*24*time.Hour).Unix())) //nolint:gosec // G115: a time after 1970
				out = append(out, base64.RawURLEncoding.EncodeToString(raw))
			}
			return out
		}},
		{"one account's values", func(t *testing.T, h *harness) []string {
			var out []string
			for range 3 {
				out = append(out, knownBrowser(t, h, carol).deviceCookie(t))
			}
			return out
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			shared := knownBrowser(t, h, bob)
			shared.signIn(crmHost, alice)
			shared.api(crmHost, "logout", nil).wantStatus(t, http.StatusOK)

			api := &url.URL{Scheme: "http", Host: crmHost, Path: prefix + "/api/login"}
			shared.jar.SetCookies(api, []*http.Cookie{{Name: h.deviceCookieName(), Value: strings.Join(tt.plant(t, h), "."), Path: prefix + "/api", Domain: cookieDomain}})
			if n := len(shared.jar.Cookies(api)); n < 2 {
				t.Fatalf("the shared browser sends %d cookies to the portal's API: the test shows nothing", n)
			}
			shared.signIn(crmHost, alice) // the gateway rewrites the cookie
			shared.api(crmHost, "logout", nil).wantStatus(t, http.StatusOK)

			outsiderBans(t, h, bob)
			if r := shared.login(crmHost, bob); r.status != http.StatusOK {
				t.Fatalf("bob on his own browser after planted values and an outsider's ban: %d %s, want it known (200)", r.status, r.body)
			}
		})
	}
}
