package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// Hosts of the cookie-tossing test: an app whose answers an attacker
// controls (a user-content app, a header injection), open and behind a
// password.
const (
	blogHost = "blog.example.com" // bypass
	wikiHost = "wiki.example.com" // password
)

// TestUpstreamCannotSetTheGatewaysCookies checks docs/contract.md, "Proxy
// mode": the gateway's cookies are the gateway's. An upstream answer that
// set them (its session cookie under cookie_domain, so on every host of
// the deployment, on any path; the CSRF and reset cookies) signed a
// visitor, signed in or not, into the attacker's account on every app
// (login CSRF: what they then upload or type is the attacker's), or out
// of their own. The gateway now drops such a Set-Cookie from every
// upstream answer, bypass routes included, in any case of the name; the
// app's own cookies pass.
func TestUpstreamCannotSetTheGatewaysCookies(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var planted string // the attacker's session id, once known
	tosser := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		v := planted
		mu.Unlock()
		for _, c := range []string{
			"gatehouse_session=" + v + "; Domain=example.com; Path=/",
			"gatehouse_session=" + v + "; Domain=example.com; Path=" + prefix + "/",
			"Gatehouse_Session=" + v + "; Domain=example.com; Path=/",
			"gatehouse_session_csrf=" + strings.Repeat("A", 43) + "; Path=/",
			"gatehouse_session_reset=alice; Path=" + prefix + "/reset",
			"gatehouse_session_link=token; Path=" + prefix + "/reset",
			// A cookie without a name is sent as its value alone:
			// "Cookie: gatehouse_session=…".
			"=gatehouse_session=" + v + "; Domain=example.com; Path=/",
			"app_pref=dark; Path=/",
		} {
			w.Header().Add("Set-Cookie", c)
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("user " + r.Header.Get("X-Auth-User")))
	}))
	t.Cleanup(tosser.Close)
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Routes = append(cfg.Routes,
			config.Route{Name: "blog", Host: blogHost, PathPrefix: "/", Upstream: tosser.URL, Policy: "bypass"},
			config.Route{Name: "wiki", Host: wikiHost, PathPrefix: "/", Upstream: tosser.URL, Policy: "password"},
		)
	}})

	attacker := h.newClient(t)
	attacker.signIn(wikiHost, bob)
	mu.Lock()
	planted = attacker.cookie()
	mu.Unlock()

	victim := h.newClient(t)
	victim.signIn(wikiHost, alice)
	own := victim.cookie()
	for _, host := range []string{blogHost, wikiHost} {
		r := victim.browse(host, "/post/1")
		r.wantStatus(t, http.StatusOK)
		var names []string
		for _, line := range r.header.Values("Set-Cookie") {
			name := browserCookieName(line)
			names = append(names, name)
			if strings.EqualFold(name, "gatehouse_session") || strings.HasPrefix(name, "gatehouse_session_") {
				t.Errorf("%s: the upstream's answer set the gateway's cookie: Set-Cookie: %s", host, line)
			}
		}
		if len(names) == 0 || names[len(names)-1] != "app_pref" {
			t.Errorf("%s: the app's own cookie was not passed on: %q", host, names)
		}
	}
	if got := victim.cookie(); got != own {
		t.Errorf("the victim's session cookie was replaced by an upstream answer (attacker's: %v)", got == planted)
	}
	r := victim.browse(wikiHost, "/me")
	if r.status != http.StatusOK || string(r.body) != "user alice" {
		t.Errorf("after visiting the app, the victim is %d %q, want alice", r.status, r.body)
	}
}

// browserCookieName is the name a browser sends the cookie of a
// Set-Cookie line under (RFC 6265bis §5.6): the name before the first
// "=", or for a cookie without a name, its value's, since such a cookie
// is sent as its value alone.
func browserCookieName(line string) string {
	pair, _, _ := strings.Cut(line, ";")
	name, value, ok := strings.Cut(pair, "=")
	if !ok {
		return strings.TrimSpace(pair)
	}
	if name = strings.TrimSpace(name); name == "" {
		name, _, _ = strings.Cut(value, "=")
	}
	return strings.TrimSpace(name)
}
