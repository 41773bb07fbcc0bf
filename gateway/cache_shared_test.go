package gateway_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// sharedCacheHeaders are the caching headers a shared cache in front of
// the gateway obeys before, or instead of, Cache-Control: a CDN reads its
// own targeted field (RFC 9213 CDN-Cache-Control, and the vendors'
// Cloudflare-/Vercel-CDN-Cache-Control), Fastly, Akamai and Varnish read
// Surrogate-Control (Akamai also Edge-Control), nginx's proxy_cache reads
// X-Accel-Expires, and any HTTP/1.0 cache reads Expires.
var sharedCacheHeaders = map[string]string{
	"CDN-Cache-Control":            "public, max-age=600",
	"Cloudflare-CDN-Cache-Control": "max-age=600",
	"Vercel-CDN-Cache-Control":     "max-age=600",
	"Surrogate-Control":            "max-age=600",
	"Edge-Control":                 "cache-maxage=600s",
	"X-Accel-Expires":              "600",
	"Expires":                      "Thu, 01 Jan 2099 00:00:00 GMT",
}

// TestSignedInAnswersAreNotKeptByASharedCache checks docs/contract.md,
// "Proxy mode": an answer to a request forwarded with an identity has
// whatever caching headers the upstream sent replaced, so that no cache in
// front keeps one person's page. Cache-Control alone was replaced: an
// upstream that marked its page for the CDN (CDN-Cache-Control,
// Surrogate-Control) or for nginx (X-Accel-Expires) had the signed-in
// page kept by the shared cache in front and served to the next visitor,
// signed in or not, without asking the gateway. It holds for 304s and
// HEAD too; bypass answers keep every header.
func TestSignedInAnswersAreNotKeptByASharedCache(t *testing.T) {
	t.Parallel()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range sharedCacheHeaders {
			w.Header().Set(k, v)
		}
		w.Header().Set("Cache-Control", "public, max-age=600")
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<p>page of %s</p>", r.Header.Get("X-Auth-User"))
	}))
	t.Cleanup(up.Close)
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Routes = append(cfg.Routes,
			config.Route{Name: "private", Host: privateHost, PathPrefix: "/", Upstream: up.URL, Policy: "password"},
			config.Route{Name: "static", Host: staticHost, PathPrefix: "/", Upstream: up.URL, Policy: "bypass"},
		)
	}})
	c := h.newClient(t)
	c.signIn(privateHost, bob)

	for _, tc := range []struct {
		name string
		req  request
		want int
	}{
		{"GET", request{host: privateHost, path: "/deals", accept: htmlAccept}, http.StatusOK},
		{"HEAD", request{method: http.MethodHead, host: privateHost, path: "/deals", accept: htmlAccept}, http.StatusOK},
		{"304", request{host: privateHost, path: "/deals", accept: htmlAccept, header: http.Header{"If-None-Match": {`"v1"`}}}, http.StatusNotModified},
	} {
		r := c.do(tc.req)
		r.wantStatus(t, tc.want)
		if got := r.header.Values("Cache-Control"); len(got) != 1 || got[0] != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", tc.name, got)
		}
		for k := range sharedCacheHeaders {
			if v := r.header.Values(k); len(v) != 0 {
				t.Errorf("%s: signed-in answer still carries %s: %q, which a shared cache obeys over Cache-Control", tc.name, k, v)
			}
		}
	}

	// Bypass answers are never changed.
	r := h.newClient(t).browse(staticHost, "/")
	for k, v := range sharedCacheHeaders {
		if got := r.header.Get(k); got != v {
			t.Errorf("bypass answer: %s %q, want the upstream's %q", k, got, v)
		}
	}
}
