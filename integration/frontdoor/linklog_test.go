package frontdoor_test

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// checkLinkKeptOutOfAccessLog opens set-password links through the
// front door (docs/contract.md, "Admin console"; docs/integrations.md,
// "Set-password links and the front door's access log") as their person
// and as link scanners do: GET and HEAD, the token first or among other
// parameters, its name spelled %74oken (Gatehouse reads that as token
// too), its '?' re-encoded (%3F, %253F), and over plain http
// (httpAddr), which the front door sends to https. Each link opened with GET must still work: Gatehouse answers
// 303 to the link's page and its link cookie holds the very token. The
// front door's access log, read by accessLog, must log those requests
// and the link's page opened after, and hold none of the tokens.
func checkLinkKeptOutOfAccessLog(t *testing.T, w *world, httpAddr string, accessLog func() string) {
	t.Helper()
	const reset = "/_gatehouse/reset"
	var tokens []string
	plain := newLinkToken(t)
	tokens = append(tokens, plain)
	p := newBrowser(t, w.roots).get("http://auth.example.com:"+portOf(t, httpAddr)+reset+"?token="+plain, nil)
	if p.status != http.StatusMovedPermanently && p.status != http.StatusPermanentRedirect {
		t.Errorf("the link over plain http: %d, want a permanent redirect to https", p.status)
	}
	// A link whose '?' a mail filter re-encoded (%3F, or %253F encoded
	// twice): its token rides in the path, stays good, and is no more
	// the log's than a query's (docs/contract.md, GET/POST /reset). The
	// link leads nowhere; only the log is checked.
	for _, base := range []string{w.authURL, "http://auth.example.com:" + portOf(t, httpAddr)} {
		for _, mark := range []string{"%3F", "%3f", "%253F"} {
			token := newLinkToken(t)
			tokens = append(tokens, token)
			newBrowser(t, w.roots).get(base+reset+mark+"token="+token, http.Header{"Accept": {"text/html"}})
		}
	}
	for _, c := range []struct {
		name, method, query string
	}{
		{"the person's GET", http.MethodGet, "token=%s"},
		{"a scanner's HEAD", http.MethodHead, "token=%s"},
		{"the token after another parameter", http.MethodGet, "lang=en&token=%s"},
		{"the name spelled %74oken", http.MethodGet, "%74oken=%s&x=1"},
	} {
		token := newLinkToken(t)
		tokens = append(tokens, token)
		b := newBrowser(t, w.roots)
		req, err := http.NewRequest(c.method, w.authURL+reset+"?"+strings.Replace(c.query, "%s", token, 1), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "text/html")
		p := b.do(req)
		if c.method != http.MethodGet {
			continue // a scanner's HEAD: Gatehouse answers 405, spending nothing
		}
		if p.status != http.StatusSeeOther || p.header.Get("Location") != reset+"?step=link" {
			t.Errorf("%s of the link: %d %q, want 303 to %s?step=link", c.name, p.status, p.header.Get("Location"), reset)
		}
		if !strings.Contains(strings.Join(p.header.Values("Set-Cookie"), "\n"), "_link="+token+";") {
			t.Errorf("%s of the link: the token did not reach Gatehouse intact (Set-Cookie %q)", c.name, p.header.Values("Set-Cookie"))
		}
		// The link's page, its token in the cookie now.
		b.get(w.authURL+reset+"?step=link", http.Header{"Accept": {"text/html"}})
	}

	// The front door writes a line once its answer is sent: wait for the
	// last request's, so that the log read is the one that counts.
	var log string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		log = accessLog()
		if strings.Count(log, reset+"?step=link") >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's access log has not logged the link's page three times: the test reads the wrong log\n%s", w.name, log)
		}
	}
	if !strings.Contains(log, reset) {
		t.Fatalf("%s's access log holds no request for %s", w.name, reset)
	}
	for _, token := range tokens {
		if secret := strings.TrimPrefix(token, "ghpw_"); strings.Contains(log, secret) {
			for _, line := range strings.Split(log, "\n") {
				if strings.Contains(line, secret) {
					t.Errorf("%s's access log holds a set-password link's token: %s", w.name, line)
				}
			}
		}
	}
}

// newLinkToken returns a token shaped as Gatehouse's set-password
// tokens are (ghpw_ and 32 random bytes): deploy/gateway.yaml's file
// backend issues none, and the front door cannot tell.
func newLinkToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "ghpw_" + base64.RawURLEncoding.EncodeToString(b)
}

// readLog returns a log file's text, or "" while it does not exist.
func readLog(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

// linkQuery is what the Traefik link router's rule adds to the portal
// router's: a token parameter, whatever its value, or a path holding an
// encoded '?' (a link whose '?' was re-encoded carries its token there).
const linkQuery = " && (QueryRegexp(`token`, `^`) || PathRegexp(`(?i)[?]|%(25)*3f`))"

// TestTraefikLinkRouterLogsNothing holds the router that keeps
// set-password links out of Traefik's access log to the portal's router
// in dynamic.yml (which TestTraefik runs), docker-labels.yml and
// docker-compose.yml (which no test runs): the portal's rule and a token
// parameter, the same entry points, middlewares, service and
// certificates, and no access log.
func TestTraefikLinkRouterLogsNothing(t *testing.T) {
	t.Parallel()
	dyn := parseTraefikDynamic(t, readRepoFile(t, "deploy/traefik/dynamic.yml"))
	portal, link := dyn.HTTP.Routers["gatehouse"], dyn.HTTP.Routers["gatehouse-link"]
	if link.Rule != portal.Rule+linkQuery || !slices.Equal(link.EntryPoints, portal.EntryPoints) ||
		!slices.Equal(link.Middlewares, portal.Middlewares) || link.Service != portal.Service ||
		link.TLS == nil || portal.TLS == nil || *link.TLS != *portal.TLS {
		t.Errorf("dynamic.yml: gatehouse-link %+v is not the portal's router %+v with%s", link, portal, linkQuery)
	}
	if link.Observability == nil || link.Observability.AccessLogs == nil || *link.Observability.AccessLogs {
		t.Error("dynamic.yml: gatehouse-link does not turn its access log off")
	}
	for _, file := range []string{"deploy/traefik/docker-labels.yml", "docker-compose.yml"} {
		t.Run(file, func(t *testing.T) {
			labels := serviceLabels(t, file, "gatehouse")
			const portal, link = "traefik.http.routers.gatehouse.", "traefik.http.routers.gatehouse-link."
			if got := labels[link+"rule"]; got != labels[portal+"rule"]+linkQuery {
				t.Errorf("gatehouse-link's rule %q, want the portal's with%s", got, linkQuery)
			}
			for _, key := range []string{"entrypoints", "middlewares", "tls.certresolver"} {
				if labels[link+key] != labels[portal+key] {
					t.Errorf("gatehouse-link's %s %q, want the portal's %q", key, labels[link+key], labels[portal+key])
				}
			}
			if labels[link+"service"] != "gatehouse" || labels[link+"observability.accesslogs"] != "false" {
				t.Errorf("gatehouse-link's service %q and observability.accesslogs %q, want gatehouse and false",
					labels[link+"service"], labels[link+"observability.accesslogs"])
			}
		})
	}
}
