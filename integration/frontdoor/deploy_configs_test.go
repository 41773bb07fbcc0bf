package frontdoor_test

import (
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
	"gopkg.in/yaml.v3"
)

// checkTraefikLabels checks the gatehouse middlewares defined by labels.
func checkTraefikLabels(t *testing.T, file string, labels map[string]string, address string, h config.Headers) {
	t.Helper()
	const fa = "traefik.http.middlewares.gatehouse-auth.forwardauth."
	if got := labels[fa+"address"]; got != address {
		t.Errorf("%s: forwardauth.address %q, want %q", file, got, address)
	}
	if got := labels[fa+"trustforwardheader"]; got != "false" {
		t.Errorf("%s: forwardauth.trustforwardheader %q, want \"false\"", file, got)
	}
	if got := labels[fa+"maxresponsebodysize"]; got != "65536" {
		t.Errorf("%s: forwardauth.maxresponsebodysize %q, want \"65536\" (as deploy/traefik/dynamic.yml)", file, got)
	}
	want := headerNames(h)
	if got := strings.Split(labels[fa+"authresponseheaders"], ","); !slices.Equal(got, append(want, "X-Request-Id", "Cookie")) {
		t.Errorf("%s: authresponseheaders %q, want every identity header %q, X-Request-Id and Cookie", file, got, want)
	}
	if v, ok := labels["traefik.http.middlewares.gatehouse-strip.headers.customrequestheaders.X-Request-Id"]; !ok || v != "" {
		t.Errorf("%s: gatehouse-strip does not delete X-Request-Id", file)
	}
	if got := labels["traefik.http.routers.gatehouse.middlewares"]; got != "gatehouse-strip" {
		t.Errorf("%s: the portal router's middlewares are %q, want gatehouse-strip (a client's X-Request-Id)", file, got)
	}
	byRule, err := regexp.Compile(labels[fa+"authresponseheadersregex"])
	if err != nil {
		t.Fatalf("%s: authresponseheadersregex: %v", file, err)
	}
	for _, name := range append(want[:len(want):len(want)], pathHeaders...) {
		for _, spelling := range everySpelling(name) {
			v, ok := labels["traefik.http.middlewares.gatehouse-strip.headers.customrequestheaders."+spelling]
			if !spellingDeleted(spelling, ok && v == "", byRule.MatchString(http.CanonicalHeaderKey(spelling))) {
				t.Errorf("%s: neither gatehouse-strip nor authresponseheadersregex deletes %s", file, spelling)
			}
		}
	}
	if got := labels["traefik.http.middlewares.gatehouse.chain.middlewares"]; got != "gatehouse-strip,gatehouse-auth" {
		t.Errorf("%s: the gatehouse chain is %q", file, got)
	}
}

// spellingDeleted reports whether a front door's config deletes a
// client's spelling of a header (everySpelling): the '-' spelling only
// by a line of its own (listed), one with another separator by its own
// line or by the config's rule for names with a byte but a letter, a
// digit or '-' (byRule: Caddy's request_header -*_*, -*.* and the rest,
// Traefik's authResponseHeadersRegex), which the running tests prove
// through the real servers (checkForgedSpellings,
// checkOtherSeparatorSpellings).
func spellingDeleted(spelling string, listed, byRule bool) bool {
	return listed || !lettersDigitsDashes(spelling) && byRule
}

// caddyByteDelete is a Caddyfile line that deletes every header name
// holding one byte: request_header -*.* (quoted for '`').
var caddyByteDelete = regexp.MustCompile(`(?m)^\s*request_header "?-\*(.)\*"?\s*$`)

// caddyDeletesByByte reports whether caddyfile has a line
// request_header -*c* (Caddy deletes every name holding c) for a byte c
// of name.
func caddyDeletesByByte(caddyfile, name string) bool {
	for _, m := range caddyByteDelete.FindAllStringSubmatch(caddyfile, -1) {
		if strings.Contains(name, m[1]) {
			return true
		}
	}
	return false
}

// headerNames lists the configured identity headers in configuration order.
func headerNames(h config.Headers) []string {
	var out []string
	for _, n := range []string{h.User, h.Email, h.Name, h.Groups, h.Phone, h.Methods, h.Assertion} {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

func TestTraefikDockerLabelsExample(t *testing.T) {
	t.Parallel()
	var f struct {
		Services map[string]struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(readRepoFile(t, "deploy/traefik/docker-labels.yml")), &f); err != nil {
		t.Fatal(err)
	}
	cfg := loadDeployGateway(t)
	_, port, _ := net.SplitHostPort(cfg.Server.Listen)
	gh := f.Services["gatehouse"].Labels
	checkTraefikLabels(t, "deploy/traefik/docker-labels.yml", gh, "http://gatehouse:"+port+cfg.Server.PortalPrefix+"/authz/forward-auth", cfg.Identity.Headers)
	if got := gh["traefik.http.services.gatehouse.loadbalancer.server.port"]; got != port {
		t.Errorf("the portal service port %q, server.listen is on %s", got, port)
	}
	if got := f.Services["app"].Labels["traefik.http.routers.app.middlewares"]; got != "gatehouse@docker" {
		t.Errorf("the app router's middlewares are %q", got)
	}
}

// loadDeployGateway parses deploy/gateway.yaml and validates it.
func loadDeployGateway(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Parse("deploy/gateway.yaml", []byte(readRepoFile(t, "deploy/gateway.yaml")), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("deploy/gateway.yaml: %v", err)
	}
	return cfg
}

// TestDeployConfigsCopyEveryIdentityHeader checks that each front door
// config passes on, and strips from clients, exactly the identity headers
// deploy/gateway.yaml configures: a header added there but forgotten in a
// front door would either not reach apps or, worse, be forgeable. Each
// also copies the answer's Cookie (the client's cookies less Gatehouse's)
// and deletes the client's path headers (pathHeaders).
func TestDeployConfigsCopyEveryIdentityHeader(t *testing.T) {
	t.Parallel()
	cfg := loadDeployGateway(t)
	names := headerNames(cfg.Identity.Headers)

	t.Run("nginx", func(t *testing.T) {
		protect := readRepoFile(t, "deploy/nginx/snippets/gatehouse-protect.conf")
		for _, n := range append(names[:len(names):len(names)], "Cookie") {
			v := regexp.MustCompile(`(?m)^auth_request_set\s+\$(\w+)\s+\$upstream_http_` + strings.ToLower(strings.ReplaceAll(n, "-", "_")) + `;`).FindStringSubmatch(protect)
			if v == nil {
				t.Errorf("no auth_request_set for %s", n)
				continue
			}
			if !regexp.MustCompile(`(?m)^proxy_set_header\s+` + regexp.QuoteMeta(n) + `\s+\$` + v[1] + `;`).MatchString(protect) {
				t.Errorf("no proxy_set_header %s $%s", n, v[1])
			}
		}
		for _, n := range pathHeaders {
			if !regexp.MustCompile(`(?m)^proxy_set_header\s+` + regexp.QuoteMeta(n) + `\s+"";`).MatchString(protect) {
				t.Errorf("the client's %s is not cleared", n)
			}
		}
	})
	t.Run("caddy", func(t *testing.T) {
		caddyfile := readRepoFile(t, "deploy/caddy/Caddyfile")
		m := regexp.MustCompile(`(?m)^\s*copy_headers (.*)$`).FindStringSubmatch(caddyfile)
		if m == nil || !slices.Equal(strings.Fields(m[1]), append(names[:len(names):len(names)], "Cookie")) {
			t.Errorf("copy_headers %v, want %q and Cookie", m, names)
		}
		for _, n := range append(names[:len(names):len(names)], pathHeaders...) {
			for _, spelling := range everySpelling(n) {
				listed := regexp.MustCompile(`(?m)^\s*request_header -` + regexp.QuoteMeta(spelling) + `\s*$`).MatchString(caddyfile)
				if !spellingDeleted(spelling, listed, caddyDeletesByByte(caddyfile, spelling)) {
					t.Errorf("the client's %s is not deleted (request_header -%[1]s, or -*c* for a byte c of it)", spelling)
				}
			}
		}
		if n := len(regexp.MustCompile(`(?m)^\s*request_header X-Request-Id \{http\.request\.uuid\}\s*$`).FindAllString(caddyfile, -1)); n != 2 {
			t.Errorf("%d request_header X-Request-Id {http.request.uuid} lines, want 2 (the app's and the portal's site)", n)
		}
	})
	t.Run("traefik", func(t *testing.T) {
		dyn := parseTraefikDynamic(t, readRepoFile(t, "deploy/traefik/dynamic.yml"))
		fa := dyn.HTTP.Middlewares["gatehouse-auth"].ForwardAuth
		if fa == nil || !slices.Equal(fa.AuthResponseHeaders, append(names[:len(names):len(names)], "X-Request-Id", "Cookie")) {
			t.Fatalf("authResponseHeaders %v, want %q, X-Request-Id and Cookie", fa, names)
		}
		if want := fmt.Sprintf("http://%s%s/authz/forward-auth", cfg.Server.Listen, cfg.Server.PortalPrefix); fa.Address != want {
			t.Errorf("forwardAuth address %q, want %q (server.listen)", fa.Address, want)
		}
		strip := dyn.HTTP.Middlewares["gatehouse-strip"].Headers
		if strip == nil {
			t.Fatal("no gatehouse-strip headers middleware")
		}
		byRule := regexp.MustCompile(fa.AuthResponseHeadersRegex)
		for _, n := range append(names[:len(names):len(names)], pathHeaders...) {
			for _, spelling := range everySpelling(n) {
				v, ok := strip.CustomRequestHeaders[spelling]
				if !spellingDeleted(spelling, ok && v == "", byRule.MatchString(http.CanonicalHeaderKey(spelling))) {
					t.Errorf("neither gatehouse-strip nor gatehouse-auth's authResponseHeadersRegex deletes %s", spelling)
				}
			}
		}
		if v, ok := strip.CustomRequestHeaders["X-Request-Id"]; !ok || v != "" {
			t.Error("gatehouse-strip does not delete X-Request-Id")
		}
		if r := dyn.HTTP.Routers["gatehouse"]; !slices.Equal(r.Middlewares, []string{"gatehouse-strip"}) {
			t.Errorf("the portal router's middlewares are %q, want [gatehouse-strip] (a client's X-Request-Id)", r.Middlewares)
		}
	})
}
