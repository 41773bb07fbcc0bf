package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// The identity-header cases of the security catalogue (14–18): what a
// client sends under an identity header's name, in any spelling, never
// reaches the upstream, and the gateway's own headers survive hop-by-hop
// tricks (docs/contract.md, "Identity headers" and "Proxy mode").

// otherProxyForgeries are catalogue case 14's headers of other
// authenticating proxies, with the value a forger would choose.
var otherProxyForgeries = http.Header{
	"Remote-User":          {"admin"},
	"X-Forwarded-User":     {"admin"},
	"X-Auth-Request-Email": {"admin@x"},
	"X-Forwarded-Groups":   {"admins"},
}

// headerVariants returns the spellings of name catalogue case 16 names
// (CVE-2025-64484, GHSA-f59h-q822-g45g): as configured, lower case,
// upper case, with '_' for '-', and the header sent twice.
func headerVariants(name, value string) http.Header {
	under := strings.ReplaceAll(name, "-", "_")
	return http.Header{
		name:                               {value, value + "2"},
		strings.ToLower(name):              {value},
		strings.ToUpper(under):             {value},
		under:                              {value},
		strings.ToLower(under):             {value},
		firstUpper(strings.ToLower(under)): {value}, // Remote_user, as CGI-style stacks write it
	}
}

// firstUpper is s with its first byte in upper case.
func firstUpper(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// normName is a header name as a CGI or PHP stack reads it.
func normName(n string) string { return strings.ReplaceAll(strings.ToLower(n), "_", "-") }

// valuesUnder returns every value h holds under any spelling of name.
func valuesUnder(h http.Header, name string) []string {
	var out []string
	for k, vs := range h {
		if normName(k) == normName(name) {
			out = append(out, vs...)
		}
	}
	return out
}

// configuredHeaders returns the identity header names of cfg.
func configuredHeaders(cfg *config.Config) []string {
	hd := cfg.Identity.Headers
	var out []string
	for _, n := range []string{hd.User, hd.Email, hd.Name, hd.Groups, hd.Phone, hd.Methods, hd.Assertion} {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// identityHarnesses are the default header names (with the phone header
// on), and names an operator took from another proxy (Remote-User,
// X-Forwarded-Email, X-Forwarded-Groups), whose '_' spellings CGI reads
// as the same variable.
func identityHarnesses(t *testing.T) map[string]*harness {
	return map[string]*harness{
		"default names": newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
			cfg.Identity.Headers.Phone = "X-Auth-Phone"
		}}),
		"other proxies' names": newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
			cfg.Identity.Headers.User = "Remote-User"
			cfg.Identity.Headers.Email = "X-Forwarded-Email"
			cfg.Identity.Headers.Groups = "X-Forwarded-Groups"
			cfg.Identity.Headers.Phone = "X-Auth-Phone"
		}}),
	}
}

// TestCatalogueForgedIdentityHeaders: catalogue cases 14, 15, 16 and 18
// (GHSA-7r4p-vjf4-gxv4, GHSA-f59h-q822-g45g, CVE-2025-64484). Anonymous,
// the forged headers get the login (302) or 401 and reach nothing; signed
// in as bob, the upstream gets exactly one value of every configured
// identity header, bob's (empty where bob has none), an assertion the
// gateway signed, and none of the forged values under any spelling.
func TestCatalogueForgedIdentityHeaders(t *testing.T) {
	t.Parallel()
	for name, h := range identityHarnesses(t) {
		t.Run(name, func(t *testing.T) {
			forgedHdr := otherProxyForgeries.Clone()
			for _, n := range configuredHeaders(h.cfg) {
				for k, vs := range headerVariants(n, "admin") {
					forgedHdr[k] = vs
				}
			}
			for k, vs := range headerVariants("Remote-User", "admin") {
				forgedHdr[k] = vs
			}
			forgedHdr["X_Forwarded_Email"] = []string{"admin@x"}
			// Case 18: an assertion of the client's own, unsigned and signed by nobody we know.
			forgedHdr[h.cfg.Identity.Headers.Assertion] = []string{
				"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiIsImF1ZCI6ImNybSJ9.",
				"eyJhbGciOiJFZERTQSIsImtpZCI6ImF0dGFja2VyIn0.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl",
			}

			// Case 14: anonymous.
			anon := h.newClient(t)
			before := h.up.count()
			r := anon.do(request{host: crmHost, path: "/", accept: htmlAccept, header: forgedHdr})
			r.wantStatus(t, http.StatusFound)
			if loc := r.header.Get("Location"); !strings.HasPrefix(loc, prefix+"/login") {
				t.Errorf("anonymous with forged headers: Location %q, want the login page", loc)
			}
			anon.do(request{host: crmHost, path: "/", accept: "application/json", header: forgedHdr}).wantError(t, http.StatusUnauthorized, "unauthenticated")
			if h.up.count() != before {
				t.Fatal("an anonymous request with forged identity headers reached the upstream")
			}

			// Cases 15, 16, 18: signed in, and on a bypass route.
			bobs := h.newClient(t)
			bobs.signIn(crmHost, bob)
			for _, target := range []struct {
				c          *client
				host, user string
			}{{bobs, crmHost, "bob"}, {h.newClient(t), publicHost, ""}} {
				target.c.do(request{host: target.host, path: "/x", accept: "application/json", header: forgedHdr}).wantStatus(t, http.StatusOK)
				seen := h.up.last(t).Header
				for k := range forgedHdr {
					for _, v := range valuesUnder(seen, k) {
						if strings.HasPrefix(v, "admin") || strings.HasPrefix(v, "eyJhbGciOiJ") && target.user == "" {
							t.Errorf("%s: the upstream got the client's %s as %q", target.host, k, v)
						}
					}
				}
				if target.user == "" {
					continue
				}
				hd := h.cfg.Identity.Headers
				for n, want := range map[string]string{hd.User: "bob", hd.Email: bob.email, hd.Groups: "staff", hd.Phone: bob.phone, hd.Methods: "pwd,sms"} {
					if got := valuesUnder(seen, n); len(got) != 1 || got[0] != want {
						t.Errorf("upstream %s = %q, want exactly [%q]", n, got, want)
					}
				}
				got := valuesUnder(seen, hd.Assertion)
				if len(got) != 1 {
					t.Fatalf("upstream got %d assertions, want the gateway's one", len(got))
				}
				if c := h.verify(t, got[0], "crm"); c.Subject != "bob" {
					t.Errorf("assertion subject %q, want bob", c.Subject)
				}
			}

			// Case 15, a value that is empty: carol has no groups; a
			// forged group is deleted and nothing else put in its place.
			carols := h.newClient(t)
			carols.signIn(crmHost, carol)
			carols.do(request{host: crmHost, path: "/x", accept: "application/json", header: forgedHdr}).wantStatus(t, http.StatusOK)
			if got := valuesUnder(h.up.last(t).Header, h.cfg.Identity.Headers.Groups); len(got) > 1 || len(got) == 1 && got[0] != "" {
				t.Errorf("carol (no groups): upstream %s = %q, want empty", h.cfg.Identity.Headers.Groups, got)
			}

			// Forward-auth answers carry exactly one of each, bob's.
			for _, fd := range frontDoors {
				hd := forgedHdr.Clone()
				hd.Set("Accept", "application/json")
				hd.Set("Cookie", h.cfg.Session.CookieName+"="+bobs.cookie())
				r := h.newClient(t).do(fd.build(clientReq{method: "GET", proto: "https", host: crmHost, uri: "/x", header: hd}))
				r.wantStatus(t, http.StatusOK)
				for _, n := range configuredHeaders(h.cfg) {
					if got := valuesUnder(r.header, n); len(got) != 1 || strings.HasPrefix(got[0], "admin") {
						t.Errorf("%s: answer's %s = %q, want bob's one value", fd.name, n, got)
					}
				}
			}
		})
	}
}

// TestCatalogueConnectionCannotDropIdentity: catalogue case 17
// (CVE-2021-33197, CVE-2024-45410, CVE-2021-32813): a Connection header
// naming the assertion, an identity header and X-Forwarded-For removes
// none of the gateway's own.
func TestCatalogueConnectionCannotDropIdentity(t *testing.T) {
	t.Parallel()
	for name, h := range identityHarnesses(t) {
		t.Run(name, func(t *testing.T) {
			c := h.newClient(t)
			c.signIn(crmHost, bob)
			hd := h.cfg.Identity.Headers
			for _, conn := range []string{
				"close, X-Auth-Assertion, X-Forwarded-User, X-Forwarded-For",
				"close, " + strings.Join(configuredHeaders(h.cfg), ", ") + ", X-Forwarded-For, X-Real-IP",
			} {
				c.do(request{host: crmHost, path: "/x", accept: "application/json", header: http.Header{"Connection": {conn}}}).wantStatus(t, http.StatusOK)
				seen := h.up.last(t).Header
				if got := valuesUnder(seen, hd.User); len(got) != 1 || got[0] != "bob" {
					t.Errorf("Connection: %s: upstream %s = %q, want [bob]", conn, hd.User, got)
				}
				if got := valuesUnder(seen, hd.Assertion); len(got) != 1 || h.verify(t, got[0], "crm").Subject != "bob" {
					t.Errorf("Connection: %s: upstream assertions %d, want the gateway's one", conn, len(got))
				}
				if got := seen.Get("X-Forwarded-For"); !strings.Contains(got, "127.0.0.1") {
					t.Errorf("Connection: %s: X-Forwarded-For %q, want the gateway's", conn, got)
				}
				if got := seen.Get("X-Real-Ip"); got != "127.0.0.1" {
					t.Errorf("Connection: %s: X-Real-IP %q, want the gateway's", conn, got)
				}
			}
		})
	}
}

// TestCatalogueHealthCheckClientsNeedAuth: catalogue case 24
// (GHSA-5hvv-m4w4-gf6v): a health checker's User-Agent, or a health-like
// path on an app route, decides nothing: auth is still required, in proxy
// mode and from both forward-auth endpoints. /healthz is not under the
// app route's bypassed /health (whole segments, docs/contract.md).
func TestCatalogueHealthCheckClientsNeedAuth(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	agents := []string{"kube-probe/1.29", "ELB-HealthChecker/2.0", "GoogleHC/1.0", ""}
	targets := []struct{ host, path string }{
		{crmHost, "/"}, {appHost, "/"}, {appHost, "/secure/x"},
		{crmHost, "/ping"}, {crmHost, "/healthz"}, {appHost, "/ping"}, {appHost, "/healthz"}, {appHost, "/health.json"},
	}
	for _, ua := range agents {
		for _, tg := range targets {
			hd := http.Header{"User-Agent": {ua}}
			before := h.up.count()
			r := h.newClient(t).do(request{host: tg.host, path: tg.path, accept: "application/json", header: hd})
			if r.status != http.StatusUnauthorized || h.up.count() != before {
				t.Errorf("proxy mode, %s%s, User-Agent %q: %d (upstream reached: %t), want 401", tg.host, tg.path, ua, r.status, h.up.count() != before)
			}
			for _, fd := range frontDoors {
				hd := http.Header{"User-Agent": {ua}, "Accept": {"application/json"}}
				r := h.newClient(t).do(fd.build(clientReq{method: "GET", proto: "https", host: tg.host, uri: tg.path, header: hd}))
				if r.status != http.StatusUnauthorized {
					t.Errorf("%s, %s%s, User-Agent %q: %d, want 401", fd.name, tg.host, tg.path, ua, r.status)
				}
			}
		}
	}
	// The bypass itself still works: the test world is the one described.
	h.newClient(t).do(request{host: appHost, path: "/health", header: http.Header{"User-Agent": {"kube-probe/1.29"}}}).wantStatus(t, http.StatusOK)
}
