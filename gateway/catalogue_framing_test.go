package gateway_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// The host and framing cases of the security catalogue (32–37), on raw
// connections: net/http reads every request (no parser of our own), and
// what it cannot read unambiguously never reaches the upstream or the
// login (SECURITY.md, "Request smuggling by double framing").

// smuggledPath is the target of a request hidden behind a badly framed one.
const smuggledPath = "/smuggled"

// wantNothingSmuggled checks that no request for smuggledPath reached h's
// upstream.
func wantNothingSmuggled(t *testing.T, h *harness, what string) {
	t.Helper()
	h.up.mu.Lock()
	defer h.up.mu.Unlock()
	for _, r := range h.up.reqs {
		if r.Path == smuggledPath {
			t.Errorf("%s: a request hidden behind it reached the upstream", what)
		}
	}
}

// TestCatalogueBadFramingSmugglesNothing: catalogue cases 35–37 (ASVS
// V4.2.1/V4.2.3; Go CVE-2025-22871). Double framing, a chunk-size line
// ending in a bare LF, and Transfer-Encoding values other than exactly
// "chunked" are refused with 400, or answered once with the connection
// closed; the request hidden behind never runs, at the login or at a
// proxied route.
func TestCatalogueBadFramingSmugglesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	addr := h.srv.Listener.Addr().String()
	smuggled := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", smuggledPath, publicHost)
	login := url.Values{"username": {bob.name}, "password": {bob.password}}.Encode()
	type target struct{ host, path string }
	for _, tg := range []target{{crmHost, prefix + "/login"}, {publicHost, "/form"}} {
		head := func(framing string) string {
			return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n%s\r\n", tg.path, tg.host, framing)
		}
		chunk := fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(login), login)
		for _, tc := range []struct {
			name, stream string
			// refused: net/http answers 400 or 501 before any handler;
			// failed: the body cannot be read, so nothing succeeds;
			// once: read one way, answered, and the connection closed.
			want string
		}{
			{"35 Content-Length and chunked", head("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n") + chunk + smuggled, "once"},
			{"35 chunked and Content-Length", head("Transfer-Encoding: chunked\r\nContent-Length: 200\r\n") + chunk + smuggled, "once"},
			{"36 chunk size ending in a bare LF", head("Transfer-Encoding: chunked\r\n") + fmt.Sprintf("%x\n%s\r\n0\r\n\r\n", len(login), login) + smuggled, "failed"},
			{"36 chunk data ending in a bare LF", head("Transfer-Encoding: chunked\r\n") + fmt.Sprintf("%x\r\n%s\n0\r\n\r\n", len(login), login) + smuggled, "failed"},
			{"37 chunked, identity", head("Transfer-Encoding: chunked, identity\r\n") + chunk + smuggled, "refused"},
			{"37 identity, chunked", head("Transfer-Encoding: identity, chunked\r\n") + chunk + smuggled, "refused"},
			{"37 xchunked", head("Transfer-Encoding: xchunked\r\n") + chunk + smuggled, "refused"},
			{"37 space before the colon", head("Transfer-Encoding : chunked\r\n") + chunk + smuggled, "refused"},
			{"37 two Transfer-Encoding lines", head("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n") + chunk + smuggled, "refused"},
			{"37 chunked folded onto a second line (RFC 9112: read as one line)", head("Transfer-Encoding:\r\n chunked\r\nContent-Length: 4\r\n") + chunk + smuggled, "once"},
			{"37 chunked in upper case", head("Transfer-Encoding: CHUNKED\r\nContent-Length: 4\r\n") + chunk + smuggled, "once"},
			{"37 leading space (optional whitespace)", head("Transfer-Encoding:  chunked\r\nContent-Length: 4\r\n") + chunk + smuggled, "once"},
		} {
			what := tg.host + tg.path + ": " + tc.name
			answers := rawExchange(t, addr, tc.stream)
			if len(answers) != 1 {
				t.Errorf("%s: %d answers, want one and the connection closed", what, len(answers))
			}
			if len(answers) > 0 {
				a := answers[0]
				body, _ := io.ReadAll(a.Body)
				switch {
				case tc.want == "refused" && a.StatusCode != http.StatusBadRequest && a.StatusCode != http.StatusNotImplemented:
					t.Errorf("%s: %d %s, want 400 or 501", what, a.StatusCode, body)
				case tc.want == "failed" && a.StatusCode < 400:
					t.Errorf("%s: %d %s, want a refusal", what, a.StatusCode, body)
				case tc.want == "once" && !a.Close:
					t.Errorf("%s: answered without Connection: close", what)
				}
				for _, sc := range a.Cookies() {
					if sc.Name == h.cfg.Session.CookieName && sc.Value != "" {
						t.Errorf("%s: a session cookie was set", what)
					}
				}
			}
			wantNothingSmuggled(t, h, what)
		}
	}
}

// TestCatalogueHostHeaders: catalogue cases 32–34 (caddy-security #269).
// A Host no route names is not proxied and appears in no Location or
// page; X-Forwarded-Host from a client that is not a trusted proxy changes
// no redirect, page or assertion issuer; two Host headers, or one holding
// CR or LF, are 400.
func TestCatalogueHostHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Server.TrustedProxies = []string{"10.0.0.0/8"} }})
	addr := h.srv.Listener.Addr().String()
	before := h.up.count()

	// Case 32.
	for _, path := range []string{"/", "/admin", prefix + "/login?rd=/x", prefix + "/reset", prefix + "/signup", prefix + "/logout"} {
		r := h.newClient(t).do(request{host: "evil.example", path: path, accept: htmlAccept})
		if strings.Contains(r.header.Get("Location"), "evil.example") || strings.Contains(string(r.body), "//evil.example") {
			t.Errorf("Host: evil.example, GET %s: %d, Location %q, or the page, names evil.example", path, r.status, r.header.Get("Location"))
		}
		if !strings.HasPrefix(path, prefix) && r.status != http.StatusNotFound && r.status != http.StatusMisdirectedRequest {
			t.Errorf("Host: evil.example, GET %s: %d, want 404 or 421", path, r.status)
		}
	}
	if h.up.count() != before {
		t.Error("a request for an unknown Host was proxied")
	}

	// Case 33.
	xfh := http.Header{"X-Forwarded-Host": {"evil.example"}, "X-Forwarded-Proto": {"https"}}
	c := h.newClient(t)
	for _, path := range []string{"/deals", prefix + "/login?rd=/deals", prefix + "/signup", prefix + "/reset"} {
		r := c.do(request{host: crmHost, path: path, accept: htmlAccept, header: xfh.Clone()})
		if strings.Contains(r.header.Get("Location"), "evil.example") || strings.Contains(string(r.body), "evil.example") {
			t.Errorf("X-Forwarded-Host: evil.example, GET %s: Location %q, or the page, names evil.example", path, r.header.Get("Location"))
		}
	}
	c.signIn(crmHost, bob)
	c.do(request{host: crmHost, path: "/deals", accept: "application/json", header: xfh.Clone()}).wantStatus(t, http.StatusOK)
	seen := h.up.last(t)
	if claims := h.verify(t, seen.Header.Get("X-Auth-Assertion"), "crm"); claims.Subject != "bob" {
		t.Errorf("assertion for %q", claims.Subject)
	}
	if got := seen.Header.Get("X-Forwarded-Host"); got != crmHost {
		t.Errorf("upstream X-Forwarded-Host %q, want %q (the client's dropped)", got, crmHost)
	}
	r := c.do(request{host: crmHost, path: prefix + "/logout", accept: htmlAccept, header: xfh.Clone()})
	if strings.Contains(string(r.body), "evil.example") {
		t.Error("the logout page names the forwarded host")
	}

	// Case 34.
	for name, stream := range map[string]string{
		"two Host headers":        "GET / HTTP/1.1\r\nHost: " + crmHost + "\r\nHost: " + publicHost + "\r\n\r\n",
		"Host with a bare CR":     "GET / HTTP/1.1\r\nHost: " + publicHost + "\rX-Injected: 1\r\n\r\n",
		"Host with an escaped LF": "GET / HTTP/1.1\r\nHost: " + publicHost + "%0d%0aX-Injected: 1\r\n\r\n",
	} {
		answers := rawExchange(t, addr, stream)
		if len(answers) != 1 || answers[0].StatusCode != http.StatusBadRequest {
			t.Errorf("%s: answers %d (first %v), want one 400", name, len(answers), answers)
		}
	}
	if h.up.count() != before+1 {
		t.Errorf("upstream got %d requests, want bob's one", h.up.count()-before)
	}
}
