package gateway_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// Hosts of the caching test: one upstream that says its pages may be
// cached for ten minutes, behind three routes.
const (
	privateHost = "private.example.com" // password, cache: no-store (default)
	cachedHost  = "cached.example.com"  // password, cache: allow
	staticHost  = "static.example.com"  // bypass
)

// TestSignedInAnswersAreNotStored checks that Back after sign-out cannot
// show the previous person's page: an answer to a request forwarded with
// an identity is "Cache-Control: no-store" whatever the upstream said,
// unless the route allows caching; bypass answers keep the upstream's
// headers.
func TestSignedInAnswersAreNotStored(t *testing.T) {
	t.Parallel()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=600")
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<p>page of %s</p>", r.Header.Get("X-Auth-User"))
	}))
	t.Cleanup(up.Close)
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Routes = append(cfg.Routes,
			config.Route{Name: "private", Host: privateHost, PathPrefix: "/", Upstream: up.URL, Policy: "password"},
			config.Route{Name: "cached", Host: cachedHost, PathPrefix: "/", Upstream: up.URL, Policy: "password", Cache: config.RouteCacheAllow},
			config.Route{Name: "static", Host: staticHost, PathPrefix: "/", Upstream: up.URL, Policy: "bypass"},
		)
	}})
	c := h.newClient(t)
	c.signIn(privateHost, bob)

	for _, tc := range []struct {
		host, want string
	}{
		{privateHost, "no-store"},
		{cachedHost, "public, max-age=600"},
		{staticHost, "public, max-age=600"},
	} {
		r := c.browse(tc.host, "/deals")
		r.wantStatus(t, http.StatusOK)
		if got := r.header.Values("Cache-Control"); len(got) != 1 || got[0] != tc.want {
			t.Errorf("%s: Cache-Control %q, want %q", tc.host, got, tc.want)
		}
	}
	// Signed out, the bypass answer is the same for everyone.
	r := h.newClient(t).browse(staticHost, "/")
	if got := r.header.Get("Cache-Control"); got != "public, max-age=600" {
		t.Errorf("anonymous bypass: Cache-Control %q", got)
	}
}

// TestLogoutClearsCache checks that both ways of signing out tell the
// browser to drop its cache of the site.
func TestLogoutClearsCache(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	api := h.newClient(t)
	api.signIn(appHost, bob)
	r := api.api(appHost, "logout", nil)
	r.wantStatus(t, http.StatusOK)
	if got := r.header.Get("Clear-Site-Data"); got != `"cache"` {
		t.Errorf("POST /api/logout: Clear-Site-Data %q, want \"cache\"", got)
	}

	page := h.newClient(t)
	page.signIn(appHost, bob)
	r = page.form(appHost, "/logout", nil)
	r.wantStatus(t, http.StatusOK)
	if got := r.header.Get("Clear-Site-Data"); got != `"cache"` {
		t.Errorf("POST /logout: Clear-Site-Data %q, want \"cache\"", got)
	}
	if page.cookie() != "" || api.cookie() != "" {
		t.Error("still signed in after logout")
	}
}
