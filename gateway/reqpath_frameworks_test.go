package gateway_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestFrameworkReadingsOfPathsAreDecidedToo checks docs/contract.md,
// "Request paths": Rails serves /admin.html, and /admin.html/ once it
// drops the trailing slash, from /admin (every route takes an optional
// "(.:format)") and Spring MVC before 5.3 served
// /admin.* from /admin, so a path whose last segment, read without its
// extension, is under a route that does not cover the path as sent is
// 400 bad_path, in proxy mode and forward-auth; and a PHP front
// controller (Symfony, Laravel) routes /index.php/admin/x by its
// PATH_INFO, /admin/x, which must be decided as the path is. Paths
// whose readings stay on their route (or, for an extension, fall to a
// more general route that covers them too, or to a bypassed path) are
// decided as before, and so are the files a bypass_paths entry names.
func TestFrameworkReadingsOfPathsAreDecidedToo(t *testing.T) {
	t.Parallel()
	h := withAppRoutes(t,
		config.Route{Name: "site", PathPrefix: "/", Policy: "password", BypassPaths: []string{"/favicon.ico", "/static/"}},
		config.Route{Name: "robots", PathPrefix: "/robots.txt", Policy: "bypass"},
		config.Route{Name: "admin", PathPrefix: "/admin", Policy: "password", Groups: []string{"admins"}},
		config.Route{Name: "api", PathPrefix: "/api.v2", Policy: "password", Groups: []string{"admins"}},
		config.Route{Name: "docs", PathPrefix: "/docs", Policy: "bypass"},
	)
	bobC := h.newClient(t)
	bobC.signIn(appHost, bob)
	anon := h.newClient(t)
	checkPathAnswers(t, h, []pathAnswer{
		// Served from /admin (or /api.v2) by Rails or Spring: refused.
		{bobC, "bob", "/admin.html", http.StatusBadRequest},
		{bobC, "bob", "/admin.json", http.StatusBadRequest},
		{bobC, "bob", "/admin.tar.gz", http.StatusBadRequest},
		{bobC, "bob", "/api.v2.json", http.StatusBadRequest},
		// Rails drops a trailing slash before it reads the format.
		{bobC, "bob", "/admin.html/", http.StatusBadRequest},
		{bobC, "bob", "/admin.json/", http.StatusBadRequest},
		{anon, "anonymous", "/admin.html", http.StatusBadRequest},
		// Routed by a PHP front controller as what follows the script.
		{bobC, "bob", "/index.php/admin/users", http.StatusBadRequest},
		{bobC, "bob", "/Index.PHP/admin", http.StatusBadRequest},
		{anon, "anonymous", "/index.php/robots.txt", http.StatusBadRequest},
		// A front controller whose routes take a format (API Platform's
		// ".{_format}", CodeIgniter's url_suffix): /admin.
		{bobC, "bob", "/index.php/admin.json", http.StatusBadRequest},
		{bobC, "bob", "/index.php/admin.html/", http.StatusBadRequest},
		// Every reading on the same route, or a more general one that
		// covers the path too: decided as before.
		{bobC, "bob", "/admin", http.StatusForbidden},
		{bobC, "bob", "/admin/users.json", http.StatusForbidden},
		{bobC, "bob", "/deals.json", http.StatusOK},
		{bobC, "bob", "/wiki/Washington,_D.C.", http.StatusOK},
		{bobC, "bob", "/.well-known/security.txt", http.StatusOK},
		{bobC, "bob", "/users/john.smith", http.StatusOK},
		{bobC, "bob", "/users/john.smith/", http.StatusOK},
		{bobC, "bob", "/files/report.2024.pdf", http.StatusOK},
		{bobC, "bob", "/v1.2/items.json", http.StatusOK},
		{bobC, "bob", "/index.php/deals.json", http.StatusOK},
		{bobC, "bob", "/api.v2/", http.StatusForbidden},
		{bobC, "bob", "/api.v2/items.json", http.StatusForbidden},
		{anon, "anonymous", "/robots.txt", http.StatusOK},
		{anon, "anonymous", "/favicon.ico", http.StatusOK},
		{anon, "anonymous", "/static/app.min.js", http.StatusOK},
		{anon, "anonymous", "/deals.json", http.StatusUnauthorized},
		// The reading is bypassed: whatever the app serves from it, anyone
		// may have; the path is decided on its own route.
		{bobC, "bob", "/docs.pdf", http.StatusOK},
		{anon, "anonymous", "/docs.pdf", http.StatusUnauthorized},
		{bobC, "bob", "/index.php/deals", http.StatusOK},
		{bobC, "bob", "/blog/index.php/admin", http.StatusOK},
		{bobC, "bob", "/index.php", http.StatusOK},
	})
}

// pathAnswer is a request for path by c (signed in as who, or anonymous)
// and the status proxy mode answers it (want).
type pathAnswer struct {
	c    *client
	who  string
	path string
	want int
}

// checkPathAnswers sends each request in proxy mode and asks every front
// door's forward-auth about it: 400 bad_path must reach no app and be
// bad_path through every front door, 200 must be allowed there too.
func checkPathAnswers(t *testing.T, h *harness, cases []pathAnswer) {
	t.Helper()
	for _, tc := range cases {
		before := h.up.count()
		r := tc.c.do(request{host: appHost, path: tc.path, accept: "application/json"})
		if r.status != tc.want {
			t.Errorf("%s GET %s: %d %s, want %d", tc.who, tc.path, r.status, r.body, tc.want)
		}
		if tc.want == http.StatusBadRequest && h.up.count() != before {
			t.Errorf("%s GET %s reached the app", tc.who, tc.path)
		}
		if r.status == http.StatusBadRequest && tc.want == http.StatusBadRequest {
			if code := r.errorCode(t); code != "bad_path" {
				t.Errorf("%s GET %s: error %q, want bad_path", tc.who, tc.path, code)
			}
		}
		cookie := ""
		if tc.who != "anonymous" {
			cookie = h.cfg.Session.CookieName + "=" + tc.c.cookie()
		}
		hd := http.Header{"Accept": {"application/json"}}
		if cookie != "" {
			hd.Set("Cookie", cookie)
		}
		for _, fd := range frontDoors {
			fa := h.newClient(t).do(fd.build(clientReq{method: http.MethodGet, proto: "https", host: appHost, uri: tc.path, header: hd}))
			if refused := fa.status/100 != 2; tc.want == http.StatusBadRequest && (!refused || fa.status/100 != 4 || fa.errorCode(t) != "bad_path") {
				t.Errorf("%s, %s GET %s: %d %s, want bad_path", fd.name, tc.who, tc.path, fa.status, fa.body)
			} else if tc.want == http.StatusOK && refused {
				t.Errorf("%s, %s GET %s: %d %s, want it allowed", fd.name, tc.who, tc.path, fa.status, fa.body)
			}
		}
	}
}

// TestRoutesThatNameTheScriptServeItsPaths checks docs/contract.md,
// "Request paths": an app whose addresses hold its front controller
// (CodeIgniter's /index.php/admin, Magento's) is protected by a route
// whose path_prefix names the script and what follows it, and the paths
// under that route are decided on it, though their PATH_INFO reading
// (/admin/users) leads to another route: the operator gave them to it.
// A route for the script alone (/index.php) names no PATH_INFO, and
// what a front controller routes elsewhere through it stays refused.
func TestRoutesThatNameTheScriptServeItsPaths(t *testing.T) {
	t.Parallel()
	h := withAppRoutes(t,
		config.Route{Name: "site", PathPrefix: "/", Policy: "password"},
		config.Route{Name: "home", PathPrefix: "/index.php", Policy: "bypass"},
		config.Route{Name: "ci-admin", PathPrefix: "/index.php/admin", Policy: "password", Groups: []string{"admins"}},
		config.Route{Name: "admin", PathPrefix: "/admin", Policy: "password", Groups: []string{"admins"}},
		config.Route{Name: "shop", PathPrefix: "/shop/index.php/cart/", Policy: "bypass"},
	)
	aliceC, bobC, anon := h.newClient(t), h.newClient(t), h.newClient(t)
	aliceC.signIn(appHost, alice)
	bobC.signIn(appHost, bob)
	checkPathAnswers(t, h, []pathAnswer{
		// Decided on the route that names them, as before the PATH_INFO
		// reading.
		{aliceC, "alice", "/index.php/admin", http.StatusOK},
		{aliceC, "alice", "/index.php/admin/users", http.StatusOK},
		{aliceC, "alice", "/index.php/admin/users.json", http.StatusOK},
		{bobC, "bob", "/index.php/admin/users", http.StatusForbidden},
		{anon, "anonymous", "/index.php/admin/users", http.StatusUnauthorized},
		{anon, "anonymous", "/shop/index.php/cart/add", http.StatusOK},
		// The script's own route names no PATH_INFO: what the front
		// controller routes as /admin or /deals through it is refused.
		{anon, "anonymous", "/index.php", http.StatusOK},
		{anon, "anonymous", "/index.php/deals", http.StatusBadRequest},
		{anon, "anonymous", "/index.php/admin.json", http.StatusBadRequest},
		{bobC, "bob", "/index.php/adminx", http.StatusBadRequest},
	})
}
