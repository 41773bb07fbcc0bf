package config_test

// Tests of the passkeys section: the relying party, the origins and
// their checks.

import (
	"slices"
	"strings"
	"testing"
)

// TestPasskeysConfig: the relying party id and origins default from
// public_url (or cookie_domain) and route hosts, and check-config refuses
// what browsers would refuse: an IP address or a public suffix as the
// relying party id, an origin outside it or over plain http.
func TestPasskeysConfig(t *testing.T) {
	const base = "server: { public_url: \"https://auth.example.com:8443\" }\nroutes:\n" +
		"  - { name: crm, host: crm.example.com, upstream: \"http://127.0.0.1:9001\", policy: passkey }\n" +
		"  - { name: other, host: other.test, upstream: \"http://127.0.0.1:9001\", policy: password }\n"
	cfg := mustParse(t, base+"passkeys: { enabled: true }\nsession: { cookie_domain: example.com }\n")
	rp, _, origins := cfg.PasskeyRP()
	if rp != "example.com" || !slices.Equal(origins, []string{"https://auth.example.com:8443", "https://crm.example.com:8443"}) {
		t.Fatalf("defaults: rp %q origins %v", rp, origins)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("defaults refused: %v", err)
	}
	cfg = mustParse(t, base+"passkeys: { enabled: true }\n")
	if rp, _, _ := cfg.PasskeyRP(); rp != "auth.example.com" {
		t.Fatalf("without cookie_domain: rp %q, want public_url's host", rp)
	}
	for _, tc := range []struct{ yaml, key, want string }{
		{"passkeys: { enabled: true, rp_id: 192.0.2.1 }", "passkeys.rp_id", "not a host name"},
		{"passkeys: { enabled: true, rp_id: co.uk, origins: [\"https://x.co.uk\"] }", "passkeys.rp_id", "public suffix"},
		{"passkeys: { enabled: true, origins: [\"https://evil.test\"] }", "passkeys.origins.0", "not under the relying party id"},
		{"passkeys: { enabled: true, origins: [\"http://auth.example.com\"] }", "passkeys.origins.0", "only over https"},
		{"passkeys: { enabled: false }\nroutes:\n  - { name: k, host: k.example.com, upstream: \"http://127.0.0.1:1\", policy: passkey }", "routes.0.policy", "needs passkeys.enabled"},
		{"passkeys: { enabled: true }\nroutes:\n  - { name: k, host: k.example.com, upstream: \"http://127.0.0.1:1\", policy: two_factor, phishing_resistant: true, second_factors: [sms] }", "routes.0.second_factors.0", "not phishing-resistant"},
		{"passkeys: { enabled: true }\nroutes:\n  - { name: k, host: k.example.com, upstream: \"http://127.0.0.1:1\", policy: password, phishing_resistant: true }", "routes.0.phishing_resistant", "only a two_factor route"},
	} {
		src := "server: { public_url: \"https://auth.example.com\" }\n" + tc.yaml + "\n"
		err := mustParse(t, src).Validate()
		if !slices.Contains(keys(err), tc.key) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: problems %v, want %s: …%s…", tc.yaml, err, tc.key, tc.want)
		}
	}
}

// TestPasskeyOriginsLeaveOutPublicHosts: a route host whose every route
// lets everyone through or nobody (bypass, deny) is no default passkey
// origin: nobody signs in for it, and a public host may serve pages that
// anyone wrote, which as a passkey origin could have a visitor's key
// answer a ceremony started there by someone else (docs/contract.md,
// "Passkeys"). A host with one protected route is one.
func TestPasskeyOriginsLeaveOutPublicHosts(t *testing.T) {
	cfg := mustParse(t, "server: { public_url: \"https://auth.example.com\" }\n"+
		"session: { cookie_domain: example.com }\npasskeys: { enabled: true }\nroutes:\n"+
		"  - { name: uploads, host: uploads.example.com, upstream: \"http://127.0.0.1:9001\", policy: bypass }\n"+
		"  - { name: gone, host: gone.example.com, upstream: \"http://127.0.0.1:9001\", policy: deny }\n"+
		"  - { name: shop-public, host: shop.example.com, path_prefix: /static, upstream: \"http://127.0.0.1:9001\", policy: bypass }\n"+
		"  - { name: shop, host: shop.example.com, path_prefix: /, upstream: \"http://127.0.0.1:9001\", policy: password }\n")
	if _, _, origins := cfg.PasskeyRP(); !slices.Equal(origins, []string{"https://auth.example.com", "https://shop.example.com"}) {
		t.Fatalf("origins %v, want the portal's and shop's (not the bypass or deny hosts')", origins)
	}
}
