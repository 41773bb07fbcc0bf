package gateway_test

import (
	"net/http"
	"strings"
	"testing"
)

// normalizedName is a header name as CGI, PHP and Rack read it: any
// case, '_' for '-'.
func normalizedName(name string) string {
	return strings.ReplaceAll(strings.ToLower(name), "_", "-")
}

// TestHostedProxiesIdentityHeadersNeverReachTheApp checks docs/contract.md,
// "Proxy mode": an app moved behind Gatehouse from a hosted or
// self-run authenticating proxy may still take that proxy's headers for
// the signed-in person, or a TLS-terminating proxy's client-certificate
// headers for a client authenticated by certificate (RFC 9440 asks such
// a proxy to remove them from every request). Before, a client's
// X-Goog-Authenticated-User-Email (Google's IAP), X-Amzn-Oidc-Identity
// (AWS's load balancers), Cf-Access-Authenticated-User-Email (Cloudflare
// Access), X-Ms-Client-Principal-Name (Azure App Service), Pomerium's,
// Vouch's, Tailscale's, authentik's and mod_auth_openidc's headers, and Client-Cert,
// X-Forwarded-Client-Cert, X-SSL-Client-* and the like, reached the app
// as sent, on a bypassed path anonymously and on a protected one from a
// signed-in person: such an app took whoever the client named. They go
// with the other proxies' identity headers, in every spelling; the app's
// own headers pass.
func TestHostedProxiesIdentityHeadersNeverReachTheApp(t *testing.T) {
	t.Parallel()
	sent := http.Header{
		"X-Goog-Authenticated-User-Email":    {"accounts.google.com:ceo@example.com"},
		"X-Goog-Authenticated-User-Id":       {"accounts.google.com:1"},
		"X-Goog-Iap-Jwt-Assertion":           {"forged"},
		"X-Amzn-Oidc-Identity":               {forged},
		"x-amzn-oidc-data":                   {"forged"},
		"X-Amzn-Oidc-Accesstoken":            {"forged"},
		"Cf-Access-Authenticated-User-Email": {"ceo@example.com"},
		"Cf-Access-Jwt-Assertion":            {"forged"},
		"X-Ms-Client-Principal":              {"e30="},
		"X-MS-CLIENT-PRINCIPAL-NAME":         {"ceo@example.com"},
		"X-Ms-Client-Principal-Id":           {"1"},
		"X-Ms-Token-Aad-Id-Token":            {"forged"},
		"X-Pomerium-Claim-Email":             {"ceo@example.com"},
		"X-Pomerium-Jwt-Assertion":           {"forged"},
		"X-Vouch-User":                       {"ceo@example.com"},
		"X-Vouch-Idp-Claims-Groups":          {"admins"},
		"Tailscale-User-Login":               {"ceo@example.com"},
		"X-Authentik-Username":               {"ceo"},
		"X-authentik-groups":                 {"admins"},
		"X_AUTHENTIK_EMAIL":                  {"ceo@example.com"},
		"X-Authentik-Meta-Jwks":              {"forged"},
		"OIDC_CLAIM_email":                   {"ceo@example.com"},
		"OIDC_access_token":                  {"forged"},
		"Client-Cert":                        {":MIIB:"},
		"Client-Cert-Chain":                  {":MIIB:"},
		"X-Forwarded-Client-Cert":            {"By=spiffe://x;URI=spiffe://example.com/admin"},
		"X-Forwarded-Tls-Client-Cert":        {"MIIB"},
		"X-Forwarded-Tls-Client-Cert-Info":   {"Subject%3D%22CN%3Dadmin%22"},
		"X-SSL-Client-Verify":                {"SUCCESS"},
		"X-Ssl-Client-S-Dn":                  {"CN=admin"},
		"X_SSL_Client_Cert":                  {"MIIB"},
		"SSL_CLIENT_S_DN":                    {"CN=admin"},
		"X-Client-Cert":                      {"MIIB"},
		"X-Client-Cert-Present":              {"true"},
		"X-Client-Verify":                    {"SUCCESS"},
		"X-ARR-ClientCert":                   {"MIIB"},
		"X-Amzn-Mtls-Clientcert":             {"MIIB"},
		"X-Amzn-Mtls-Clientcert-Subject":     {"CN=admin"},
	}
	own := http.Header{"X-App-Theme": {"dark"}, "X-Goog-Api-Key": {"k"}, "Cf-Ipcountry": {"NL"}}
	h := newHarness(t)
	signedIn := h.newClient(t)
	signedIn.signIn(crmHost, alice)
	for _, target := range []struct {
		c          *client
		host, path string
	}{
		{h.newClient(t), appHost, "/static/site.css"},
		{signedIn, crmHost, "/deals"},
	} {
		hdr := sent.Clone()
		for k, v := range own {
			hdr[k] = v
		}
		target.c.do(request{host: target.host, path: target.path, accept: "application/json", header: hdr}).wantStatus(t, http.StatusOK)
		seen := h.up.last(t).Header
		for name := range seen {
			for sentName := range sent {
				if normalizedName(name) == normalizedName(sentName) {
					t.Errorf("%s%s: the client's %s reached the app as %s: %q", target.host, target.path, sentName, name, seen[name])
				}
			}
		}
		for name, v := range own {
			if got := seen.Get(name); got != v[0] {
				t.Errorf("%s%s: the app's own %s reached it as %q, want %q", target.host, target.path, name, got, v[0])
			}
		}
	}
}
