package gateway_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestUnsaidMethodLetsNoOtherOriginsPostThrough checks docs/contract.md,
// "Forward-auth protocol" (a question without the method) with "Proxy
// mode" (posts from another origin's page): a front door that does not
// say the method (an nginx snippet without X-Original-Method) is decided
// as a GET only where the method makes no difference, and on a route that
// refuses other origins' posts it does for a request a page of another
// origin may have posted without asking the app. Such a question is
// method_unsaid (403 from auth-request), never the identity. What a
// browser makes only as a GET (a link followed: a navigation without a
// form's body; an image, a script) and the app's own requests pass as
// before. Before, a sibling host's form, fetch or beacon, asked about
// without its method, was let through as bob.
func TestUnsaidMethodLetsNoOtherOriginsPostThrough(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{edit: func(cfg *config.Config, up string) {
		cfg.Routes = append(cfg.Routes, config.Route{Name: "intra", Host: intraHost, PathPrefix: "/", Upstream: up,
			Policy: "password", CrossOriginPosts: config.RouteCrossOriginAllow})
	}})
	c := h.newClient(t)
	c.signIn(appHost, bob)
	cookie := h.cfg.Session.CookieName + "=" + c.cookie()
	const form = "application/x-www-form-urlencoded"
	sibling := "https://" + blogHost
	for _, tc := range []struct {
		name, host, ctype, site, mode, dest, origin string
		refused                                     bool
	}{
		{"a sibling host's form", appHost, form, "same-site", "navigate", "document", sibling, true},
		{"another site's form into a frame", appHost, "text/plain", "cross-site", "navigate", "iframe", "https://evil.example.net", true},
		{"a sibling's bodiless beacon", appHost, "", "same-site", "no-cors", "empty", sibling, true},
		{"a sibling's bodiless CORS fetch", appHost, "", "same-site", "cors", "empty", sibling, true},
		{"an old browser's form from a sibling", appHost, form, "", "", "", sibling, true},
		{"a sibling's link", appHost, "", "same-site", "navigate", "document", "", false},
		{"another site's link into a frame", appHost, "", "cross-site", "navigate", "iframe", "", false},
		{"a sibling's image", appHost, "", "same-site", "no-cors", "image", "", false},
		{"a sibling's JSON CORS fetch (preflighted)", appHost, "application/json", "same-site", "cors", "empty", sibling, false},
		{"the app's own form", appHost, form, "same-origin", "navigate", "document", "https://" + appHost, false},
		{"no browser", appHost, form, "", "", "", "", false},
		{"a route that takes other origins' posts", intraHost, form, "same-site", "navigate", "document", sibling, false},
	} {
		for _, fd := range frontDoors {
			t.Run(fd.name+", "+tc.name, func(t *testing.T) {
				hdr := http.Header{"Cookie": {cookie}, "Accept": {"*/*"}}
				for k, v := range map[string]string{"Content-Type": tc.ctype, "Sec-Fetch-Site": tc.site,
					"Sec-Fetch-Mode": tc.mode, "Sec-Fetch-Dest": tc.dest, "Origin": tc.origin} {
					if v != "" {
						hdr[k] = []string{v}
					}
				}
				// method "": the front door says none.
				r := h.newClient(t).do(fd.build(clientReq{method: "", proto: "https", host: tc.host, uri: "/deals/delete", header: hdr}))
				user := r.header.Get("X-Auth-User")
				switch {
				case !tc.refused && (r.status != http.StatusOK || user != "bob"):
					t.Fatalf("%d as %q, want 200 as bob (%s)", r.status, user, r.body)
				case tc.refused && user != "":
					t.Fatalf("%d, let through as %q", r.status, user)
				case tc.refused && fd.redirects:
					r.wantError(t, http.StatusBadRequest, "method_unsaid")
				case tc.refused && r.status != http.StatusForbidden:
					t.Fatalf("%d, want 403 (%s)", r.status, r.body)
				}
			})
		}
	}
}
