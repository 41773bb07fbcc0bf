package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// intraHost is a route whose app takes other origins' posts
// (cross_origin_posts: allow).
const intraHost = "intra.example.com"

// TestOtherOriginsPostsNeverReachTheApp checks docs/contract.md, "Proxy
// mode" (posts from another origin's page): SameSite=Lax sends the
// session cookie with a post a sibling host's page makes (the same site),
// and with any site's under session.same_site none, and legacy apps
// behind an authenticating proxy rarely check where a post came from. A
// post the route would forward with an identity, that the browser says a
// page of another origin sent without asking the app (a form, a no-cors
// fetch, sendBeacon, a ping, a CORS request no preflight asked the app
// about), is 403 csrf_failed and never reaches the app, in proxy mode and
// from forward-auth. Before, a page of blog.example.com deleted bob's
// deals as bob with a plain form.
func TestOtherOriginsPostsNeverReachTheApp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{edit: func(cfg *config.Config, up string) {
		cfg.Routes = append(cfg.Routes, config.Route{Name: "intra", Host: intraHost, PathPrefix: "/", Upstream: up,
			Policy: "password", CrossOriginPosts: config.RouteCrossOriginAllow})
	}})
	c := h.newClient(t)
	c.signIn(appHost, bob)
	const form = "application/x-www-form-urlencoded"
	sibling := "http://" + blogHost
	fetchHeaders := func(site, mode, origin string) http.Header {
		hdr := http.Header{}
		if site != "" {
			hdr["Sec-Fetch-Site"] = []string{site}
			hdr["Sec-Fetch-Mode"] = []string{mode}
		}
		if origin != "" {
			hdr["Origin"] = []string{origin}
		}
		return hdr
	}
	for _, tc := range []struct {
		name, method, host, path, ctype string
		header                          http.Header
		anonymous                       bool
		want                            int
	}{
		{"a sibling host's form", "POST", appHost, "/deals/delete", form, fetchHeaders("same-site", "navigate", sibling), false, http.StatusForbidden},
		{"another site's form", "POST", appHost, "/deals/delete", form, fetchHeaders("cross-site", "navigate", "https://evil.example.net"), false, http.StatusForbidden},
		{"a sibling's form, Origin null", "POST", appHost, "/deals/delete", form, fetchHeaders("same-site", "navigate", "null"), false, http.StatusForbidden},
		{"a sibling's multipart form", "POST", appHost, "/deals/import", "multipart/form-data; boundary=x", fetchHeaders("same-site", "navigate", sibling), false, http.StatusForbidden},
		{"a sibling's no-cors fetch", "POST", appHost, "/deals/delete", "text/plain;charset=UTF-8", fetchHeaders("same-site", "no-cors", sibling), false, http.StatusForbidden},
		{"a sibling's bodiless CORS post (no preflight)", "POST", appHost, "/deals/delete?id=7", "", fetchHeaders("same-site", "cors", sibling), false, http.StatusForbidden},
		{"a sibling's text/plain CORS post (no preflight)", "POST", appHost, "/deals/delete", "Text/Plain", fetchHeaders("same-site", "cors", sibling), false, http.StatusForbidden},
		{"a sibling's ping", "POST", appHost, "/deals/delete", "text/ping", fetchHeaders("same-site", "no-cors", sibling), false, http.StatusForbidden},
		{"an old browser's form from a sibling (Origin only)", "POST", appHost, "/deals/delete", form, fetchHeaders("", "", sibling), false, http.StatusForbidden},
		{"the app's own form", "POST", appHost, "/deals/delete", form, fetchHeaders("same-origin", "navigate", "http://"+appHost), false, http.StatusOK},
		{"the app's own form, Origin null (no-referrer)", "POST", appHost, "/deals/delete", form, fetchHeaders("same-origin", "navigate", "null"), false, http.StatusOK},
		{"a sibling's JSON CORS post (preflighted: the app agreed)", "POST", appHost, "/api/deals", "application/json", fetchHeaders("same-site", "cors", sibling), false, http.StatusOK},
		{"a sibling's CORS DELETE (preflighted)", "DELETE", appHost, "/api/deals/7", "", fetchHeaders("same-site", "cors", sibling), false, http.StatusOK},
		{"a sibling's link (GET)", "GET", appHost, "/deals", "", fetchHeaders("same-site", "navigate", ""), false, http.StatusOK},
		{"an old browser's form, Origin null (cannot tell)", "POST", appHost, "/deals/delete", form, fetchHeaders("", "", "null"), false, http.StatusOK},
		{"no browser", "POST", appHost, "/deals/delete", form, nil, false, http.StatusOK},
		{"a bypassed path sends no identity", "POST", appHost, "/health", form, fetchHeaders("same-site", "navigate", sibling), false, http.StatusOK},
		{"a route that takes other origins' posts", "POST", intraHost, "/deals/delete", form, fetchHeaders("same-site", "navigate", sibling), false, http.StatusOK},
		{"anonymous, from a sibling", "POST", appHost, "/deals/delete", form, fetchHeaders("same-site", "navigate", sibling), true, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := c
			if tc.anonymous {
				cl = h.newClient(t)
			}
			before := h.up.count()
			r := cl.do(request{method: tc.method, host: tc.host, path: tc.path, body: strings.NewReader("id=7"),
				contentType: tc.ctype, accept: "*/*", header: tc.header})
			if r.status != tc.want {
				t.Fatalf("%d %s, want %d", r.status, r.body, tc.want)
			}
			if reached := h.up.count() > before; reached != (tc.want == http.StatusOK) {
				t.Fatalf("answered %d, and the app reached: %v", r.status, reached)
			}
			if tc.want == http.StatusOK && tc.host == appHost && tc.path != "/health" {
				if user := h.up.last(t).Header.Get("X-Auth-User"); user != "bob" {
					t.Fatalf("the app got X-Auth-User %q, want bob", user)
				}
			}
			if tc.want == http.StatusForbidden {
				r.wantError(t, http.StatusForbidden, "csrf_failed")
			}
		})
	}

	cookie := h.cfg.Session.CookieName + "=" + c.cookie()
	for _, fd := range frontDoors {
		for _, tc := range []struct {
			name, method, ctype, site, mode, origin string
			want                                    int
		}{
			{"a sibling host's form", "POST", form, "same-site", "navigate", "https://" + blogHost, http.StatusForbidden},
			{"an old browser's form from a sibling", "POST", form, "", "", "https://" + blogHost, http.StatusForbidden},
			{"the app's own form", "POST", form, "same-origin", "navigate", "https://" + appHost, http.StatusOK},
			{"a sibling's JSON CORS post", "POST", "application/json", "same-site", "cors", "https://" + blogHost, http.StatusOK},
		} {
			t.Run(fd.name+", "+tc.name, func(t *testing.T) {
				hdr := fetchHeaders(tc.site, tc.mode, tc.origin)
				hdr["Cookie"] = []string{cookie}
				hdr["Accept"] = []string{"*/*"}
				hdr["Content-Type"] = []string{tc.ctype}
				r := h.newClient(t).do(fd.build(clientReq{method: tc.method, proto: "https", host: appHost, uri: "/deals/delete", header: hdr}))
				if r.status != tc.want {
					t.Fatalf("%d %s, want %d", r.status, r.body, tc.want)
				}
				switch user := r.header.Get("X-Auth-User"); {
				case tc.want == http.StatusOK && user != "bob":
					t.Fatalf("allowed as %q, want bob", user)
				case tc.want != http.StatusOK && user != "":
					t.Fatalf("refused, with X-Auth-User %q", user)
				}
				if tc.want == http.StatusForbidden {
					r.wantError(t, http.StatusForbidden, "csrf_failed")
				}
			})
		}
	}
}
