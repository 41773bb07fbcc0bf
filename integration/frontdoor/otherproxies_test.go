package frontdoor_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// otherProxiesHeaders are the identity headers of other authenticating
// proxies and the client-certificate headers that proxy mode deletes by
// name (docs/contract.md, "Proxy mode"): an app moved behind Gatehouse
// from Authelia, oauth2-proxy, mod_auth_openidc or a TLS-terminating
// proxy may still take whoever they name.
var otherProxiesHeaders = []string{
	"Remote-User", "Remote-Email", "Remote-Groups", "Remote-Name",
	"X-Remote-User", "X-Remote-Email", "X-Remote-Groups",
	"X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Groups",
	"X-Forwarded-Preferred-Username", "X-Forwarded-Access-Token",
	"X-Auth-Request-User", "X-Auth-Request-Email", "X-Auth-Request-Groups",
	"X-Auth-Request-Preferred-Username", "X-Auth-Request-Access-Token",
	"X-Webauth-User", "X-Webauth-Email", "X-Authenticated-User", "X-Authenticated-Userid",
	"OIDC-Access-Token", "OIDC-Id-Token", "OIDC-Id-Token-Payload",
	"X-Client-Verify", "X-Client-DN",
}

// otherProxiesFamilies are the families of such names that proxy mode
// deletes by prefix (docs/contract.md, "Proxy mode"): hosted login
// proxies (Google's IAP, AWS's load balancers, Cloudflare Access, Azure
// App Service, Pomerium, Vouch, Tailscale, authentik, mod_auth_openidc's
// claims) and client certificates.
var otherProxiesFamilies = []string{
	"X-Goog-Authenticated-User-", "X-Goog-Iap-", "X-Amzn-Oidc-", "Cf-Access-",
	"X-Ms-Client-Principal", "X-Ms-Token-", "X-Pomerium-", "X-Vouch-",
	"Tailscale-User-", "X-Authentik-", "OIDC-Claim-",
	"Client-Cert", "X-Forwarded-Client-Cert", "X-Forwarded-Tls-Client-Cert",
	"X-SSL-Client-", "SSL-Client-", "X-Client-Cert", "X-ARR-ClientCert", "X-Amzn-Mtls-Clientcert",
}

// otherProxiesFamilyMembers are the names those proxies set, one or more
// of each family: nginx deletes no header by prefix, so the nginx snippet
// clears each of these by name, and a member of a family not listed here
// reaches the app through nginx (docs/integrations.md).
var otherProxiesFamilyMembers = []string{
	"X-Goog-Authenticated-User-Email", "X-Goog-Authenticated-User-Id", "X-Goog-Iap-Jwt-Assertion",
	"X-Amzn-Oidc-Data", "X-Amzn-Oidc-Identity", "X-Amzn-Oidc-Accesstoken",
	"Cf-Access-Authenticated-User-Email", "Cf-Access-Jwt-Assertion",
	"X-Ms-Client-Principal", "X-Ms-Client-Principal-Name", "X-Ms-Client-Principal-Id", "X-Ms-Client-Principal-Idp",
	"X-Ms-Token-Aad-Id-Token", "X-Ms-Token-Aad-Access-Token",
	"X-Pomerium-Jwt-Assertion", "X-Pomerium-Claim-Email", "X-Pomerium-Claim-Groups",
	"X-Vouch-User", "X-Vouch-Idp-Claims-Email",
	"Tailscale-User-Login", "Tailscale-User-Name", "Tailscale-User-Profile-Pic",
	"X-Authentik-Username", "X-Authentik-Groups", "X-Authentik-Email", "X-Authentik-Name",
	"X-Authentik-Uid", "X-Authentik-Jwt",
	"OIDC-Claim-Sub", "OIDC-Claim-Email", "OIDC-Claim-Name", "OIDC-Claim-Groups",
	"Client-Cert", "Client-Cert-Chain", "X-Forwarded-Client-Cert",
	"X-Forwarded-Tls-Client-Cert", "X-Forwarded-Tls-Client-Cert-Info",
	"X-SSL-Client-Verify", "X-SSL-Client-S-DN", "X-SSL-Client-I-DN", "X-SSL-Client-DN",
	"X-SSL-Client-Cert", "X-SSL-Client-Serial",
	"SSL-Client-Verify", "SSL-Client-S-DN", "SSL-Client-Cert",
	"X-Client-Cert", "X-Client-Cert-Present", "X-Client-Cert-Chain-Verified", "X-Client-Cert-Hash",
	"X-ARR-ClientCert",
	"X-Amzn-Mtls-Clientcert", "X-Amzn-Mtls-Clientcert-Serial-Number", "X-Amzn-Mtls-Clientcert-Issuer",
	"X-Amzn-Mtls-Clientcert-Subject", "X-Amzn-Mtls-Clientcert-Validity", "X-Amzn-Mtls-Clientcert-Leaf",
}

// clientAddressHeaders are the headers that carry the client's address
// or the scheme it used, which apps log, rate-limit and allow-list by, or
// build links from, as set by their proxy; proxy mode deletes them and
// sets X-Real-IP (docs/contract.md, "Proxy mode"). Traefik sets
// X-Real-Ip and X-Forwarded-Port itself, so they are not here.
var clientAddressHeaders = []string{
	"X-Client-IP", "Client-IP", "True-Client-IP", "CF-Connecting-IP", "Fastly-Client-IP",
	"X-Cluster-Client-IP", "X-Originating-IP", "X-Remote-IP", "X-Remote-Addr",
	"X-Forwarded", "Forwarded-For", "Forwarded",
	"X-Forwarded-Scheme", "X-Forwarded-Ssl", "X-Url-Scheme", "Front-End-Https",
}

// forgedOtherProxiesHeaders is what a client sends to pass for someone
// through the front door w: every name of otherProxiesHeaders and
// otherProxiesFamilyMembers as written, lower-cased and upper-cased, with
// '_' at every separator and at the first only (CGI, PHP and Rack read
// them as the name), and, through a front door that deletes whole
// families (Caddy, Traefik), a member of each family no proxy sets today;
// and the client's address and scheme headers (clientAddressHeaders,
// X-Real-IP and X-Forwarded-Port).
func forgedOtherProxiesHeaders(w *world) http.Header {
	names := append(otherProxiesHeaders[:len(otherProxiesHeaders):len(otherProxiesHeaders)], otherProxiesFamilyMembers...)
	names = append(names, clientAddressHeaders...)
	names = append(names, "X-Real-IP", "X-Forwarded-Port")
	if w.name != "nginx" {
		for _, f := range otherProxiesFamilies {
			names = append(names, f+"Made-Up")
		}
	}
	forged := http.Header{}
	for _, n := range names {
		for _, s := range []string{n, strings.ToLower(n), strings.ToUpper(n), strings.ReplaceAll(n, "-", "_"), strings.Replace(n, "-", "_", 1)} {
			forged[s] = []string{"mallory " + s}
		}
	}
	forged["X-Ssl-Client-Verify"] = []string{"SUCCESS mallory"}
	return forged
}

// checkOtherProxiesHeaders sends other proxies' identity headers and
// client-certificate headers (forgedOtherProxiesHeaders), signed in on a
// protected route and on a bypass route, and anonymous on a bypass
// route, and checks that none of the client's values reaches the app
// (docs/contract.md, "Proxy mode"; docs/integrations.md).
func checkOtherProxiesHeaders(t *testing.T, w *world, signedIn *browser) {
	forged := forgedOtherProxiesHeaders(w)
	forgedReachNoApp(t, w, signedIn, forged, func(t *testing.T, got seen) {
		// The client's address as the front door saw it, or none.
		if ip := got.Header.Values("X-Real-Ip"); len(ip) > 1 || len(ip) == 1 && ip[0] != "127.0.0.1" {
			t.Errorf("through %s the app got X-Real-IP %q, want 127.0.0.1", w.name, ip)
		}
	})
}

// TestDeployConfigsClearOtherProxiesHeaders holds each shipped front door
// config to what checkOtherProxiesHeaders proves through the running
// servers, and the Traefik labels (docker-labels.yml, docker-compose.yml),
// which no test runs, to the same regular expression as dynamic.yml.
func TestDeployConfigsClearOtherProxiesHeaders(t *testing.T) {
	t.Parallel()
	t.Run("nginx clears each name", func(t *testing.T) {
		protect := readRepoFile(t, "deploy/nginx/snippets/gatehouse-protect.conf")
		names := append(otherProxiesHeaders[:len(otherProxiesHeaders):len(otherProxiesHeaders)], otherProxiesFamilyMembers...)
		if !regexp.MustCompile(`(?m)^proxy_set_header\s+X-Real-IP\s+\$remote_addr;`).MatchString(protect) {
			t.Error("no proxy_set_header X-Real-IP $remote_addr")
		}
		for _, n := range append(append(names, clientAddressHeaders...), "X-Forwarded-Port") {
			if !regexp.MustCompile(`(?m)^proxy_set_header\s+` + regexp.QuoteMeta(n) + `\s+"";`).MatchString(protect) {
				t.Errorf("the client's %s is not cleared", n)
			}
		}
	})
	t.Run("caddy deletes each name, each family and every name with an underscore", func(t *testing.T) {
		caddyfile := readRepoFile(t, "deploy/caddy/Caddyfile")
		if !regexp.MustCompile(`(?m)^\s*request_header X-Real-IP \{remote_host\}\s*$`).MatchString(caddyfile) {
			t.Error("no request_header X-Real-IP {remote_host}")
		}
		want := append(otherProxiesHeaders[:len(otherProxiesHeaders):len(otherProxiesHeaders)], "*_*", "X-Forwarded-Port")
		want = append(want, clientAddressHeaders...)
		for _, f := range otherProxiesFamilies {
			want = append(want, f+"*")
		}
		for _, n := range want {
			if !regexp.MustCompile(`(?m)^\s*request_header -` + regexp.QuoteMeta(n) + `\s*$`).MatchString(caddyfile) {
				t.Errorf("no request_header -%s", n)
			}
		}
	})
	dyn := parseTraefikDynamic(t, readRepoFile(t, "deploy/traefik/dynamic.yml"))
	fa := dyn.HTTP.Middlewares["gatehouse-auth"].ForwardAuth
	if fa == nil {
		t.Fatal("no gatehouse-auth forwardAuth in deploy/traefik/dynamic.yml")
	}
	t.Run("traefik's authResponseHeadersRegex", func(t *testing.T) {
		checkOtherProxiesRegex(t, fa.AuthResponseHeadersRegex)
	})
	for _, file := range []string{"deploy/traefik/docker-labels.yml", "docker-compose.yml"} {
		t.Run(file, func(t *testing.T) {
			const label = "traefik.http.middlewares.gatehouse-auth.forwardauth.authresponseheadersregex"
			if got := serviceLabels(t, file, "gatehouse")[label]; got != fa.AuthResponseHeadersRegex {
				t.Errorf("%s is %q, want dynamic.yml's %q", label, got, fa.AuthResponseHeadersRegex)
			}
		})
	}
}

// checkOtherProxiesRegex checks that Traefik, with expr as the
// forwardAuth's authResponseHeadersRegex, deletes from the request to the
// app every forged header of forgedOtherProxiesHeaders (Traefik deletes
// every request header the expression matches, then copies the answer's
// that it matches) and no header the app or Gatehouse's answer needs.
func checkOtherProxiesRegex(t *testing.T, expr string) {
	if expr == "" {
		t.Fatal("no authResponseHeadersRegex: Traefik passes other proxies' headers to the app")
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		t.Fatalf("%q: %v", expr, err)
	}
	for name := range forgedOtherProxiesHeaders(&world{name: "traefik"}) {
		if n := http.CanonicalHeaderKey(name); n == "X-Real-Ip" || n == "X-Forwarded-Port" {
			continue // Traefik sets them after the client
		}
		if !re.MatchString(http.CanonicalHeaderKey(name)) {
			t.Errorf("%q does not match %s", expr, http.CanonicalHeaderKey(name))
		}
	}
	keep := append(identityHeaders[:len(identityHeaders):len(identityHeaders)], "Cookie", "X-Request-Id",
		"Accept", "Authorization", "Content-Type", "Content-Length", "Origin", "User-Agent",
		"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-Ip", "X-Forwarded-Port", "X-Forwarded-Server",
		"Sec-Websocket-Key",
		"Remote-Username-Hint", "X-Client", "X-Client-Version", "X-Clientcert-Hint")
	for _, name := range keep {
		if re.MatchString(name) {
			t.Errorf("%q matches %s, which must reach the app", expr, name)
		}
	}
}

// serviceLabels returns the labels of service svc in the compose file
// file.
func serviceLabels(t *testing.T, file, svc string) map[string]string {
	t.Helper()
	var f struct {
		Services map[string]struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(readRepoFile(t, file)), &f); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return f.Services[svc].Labels
}
