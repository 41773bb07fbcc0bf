package gateway_test

// Route matching as the apps behind the gateway read requests
// (docs/contract.md, "Routes: path_prefix and methods"): the method in
// any case, HEAD as GET, and "/admin/" covering "/admin".

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// withAppRoutes replaces app.example.com's routes with rs (upstream
// filled in).
func withAppRoutes(t *testing.T, rs ...config.Route) *harness {
	t.Helper()
	return newHarness(t, setup{edit: func(cfg *config.Config, up string) {
		var keep []config.Route
		for _, r := range cfg.Routes {
			if r.Host != appHost {
				keep = append(keep, r)
			}
		}
		for _, r := range rs {
			r.Host = appHost
			if r.Policy != "deny" {
				r.Upstream = up
			}
			keep = append(keep, r)
		}
		cfg.Routes = keep
	}})
}

// TestLowercaseMethodMatchesMethodRoute: a route limited to methods
// (config forces them upper-case) also takes the same method in lower
// case, which Go's server accepts and frameworks that upper-case the
// method (Symfony/Laravel, Django, Werkzeug, ASP.NET Core routing) run as
// that method; proxy mode forwards the method it matched on, upper-cased.
// Forward-auth, whose app gets the method as sent (which Go's ServeMux
// reads as another method, see TestForwardAuthMethodAsSent), refuses
// one the readings disagree on.
func TestLowercaseMethodMatchesMethodRoute(t *testing.T) {
	t.Parallel()
	h := withAppRoutes(t,
		config.Route{Name: "site", PathPrefix: "/", Policy: "bypass"},
		config.Route{Name: "api-write", PathPrefix: "/api", Policy: "two_factor", Methods: []string{"POST", "PUT", "PATCH", "DELETE"}},
	)
	anon := h.newClient(t)
	for _, m := range []string{"DELETE", "delete", "Delete", "pUt"} {
		before := h.up.count()
		r := anon.do(request{method: m, host: appHost, path: "/api/items/1", accept: "application/json"})
		if r.status != http.StatusUnauthorized || h.up.count() != before {
			t.Errorf("anonymous %s /api/items/1: %d, upstream reached %t; want 401 from the two_factor route", m, r.status, h.up.count() != before)
		}
		want := http.StatusUnauthorized
		if m != http.MethodDelete {
			want = http.StatusBadRequest // as sent, the bypassed site's
		}
		if r := anon.traefik("https", appHost, "/api/items/1", m, ""); r.status != want {
			t.Errorf("forward-auth, anonymous %s /api/items/1: %d, want %d", m, r.status, want)
		}
	}
	// The bypassed read is forwarded as the method it was matched on.
	anon.do(request{method: "get", host: appHost, path: "/api/items/1", accept: "application/json"}).wantStatus(t, http.StatusOK)
	if got := h.up.last(t).Method; got != http.MethodGet {
		t.Errorf("upstream saw method %q for a \"get\", want GET", got)
	}
}

// TestHeadIsCoveredByGetRoute: a route whose methods include GET also
// takes HEAD, in proxy mode and forward-auth; Go's ServeMux ("GET /x"),
// Express, Flask and Django all run the GET handler for HEAD. Forward-auth
// refuses "head", which the app gets as sent (TestForwardAuthMethodAsSent).
func TestHeadIsCoveredByGetRoute(t *testing.T) {
	t.Parallel()
	h := withAppRoutes(t,
		config.Route{Name: "site", PathPrefix: "/", Policy: "bypass"},
		config.Route{Name: "reports", PathPrefix: "/reports", Policy: "two_factor", Methods: []string{"GET", "POST"}},
	)
	anon := h.newClient(t)
	for _, m := range []string{http.MethodGet, http.MethodHead, "head"} {
		before := h.up.count()
		r := anon.do(request{method: m, host: appHost, path: "/reports/q3", accept: "application/json"})
		if r.status != http.StatusUnauthorized || h.up.count() != before {
			t.Errorf("anonymous %s /reports/q3: %d, upstream reached %t; want 401 from the two_factor route", m, r.status, h.up.count() != before)
		}
		fwd, ngx := http.StatusUnauthorized, http.StatusUnauthorized
		if m == "head" {
			fwd, ngx = http.StatusBadRequest, http.StatusForbidden // as sent, the bypassed site's
		}
		if r := anon.traefik("https", appHost, "/reports/q3", m, ""); r.status != fwd {
			t.Errorf("forward-auth, anonymous %s /reports/q3: %d, want %d", m, r.status, fwd)
		}
		if r := anon.nginx("https://"+appHost+"/reports/q3", m, nil); r.status != ngx {
			t.Errorf("auth-request, anonymous %s /reports/q3: %d, want %d", m, r.status, ngx)
		}
	}
	// Methods the route does not list still fall through to the site.
	anon.do(request{method: http.MethodDelete, host: appHost, path: "/reports/q3", accept: "application/json"}).wantStatus(t, http.StatusOK)
}

// TestPrefixWithTrailingSlashCoversBarePath: path_prefix "/admin/" also
// covers "/admin" itself, which most apps serve as the same page (Express
// non-strict routing, Rails) or redirect from; in proxy mode and
// forward-auth alike.
func TestPrefixWithTrailingSlashCoversBarePath(t *testing.T) {
	t.Parallel()
	h := withAppRoutes(t,
		config.Route{Name: "app", PathPrefix: "/", Policy: "password"},
		config.Route{Name: "admin", PathPrefix: "/admin/", Policy: "two_factor", Groups: []string{"admins"}},
	)
	c := h.newClient(t)
	c.signIn(appHost, bob) // password only, not an admin
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/admin/users", http.StatusForbidden},
		{"/admin/", http.StatusForbidden},
		{"/admin", http.StatusForbidden},
		{"/administrator", http.StatusOK}, // whole segments still
		{"/admins", http.StatusOK},
	} {
		before := h.up.count()
		r := c.get(appHost, tc.path)
		if r.status != tc.want || (h.up.count() != before) != (tc.want == http.StatusOK) {
			t.Errorf("bob %s: %d (upstream reached %t), want %d", tc.path, r.status, h.up.count() != before, tc.want)
		}
		if r := c.traefik("https", appHost, tc.path, "", ""); r.status != tc.want {
			t.Errorf("forward-auth, bob %s: %d, want %d", tc.path, r.status, tc.want)
		}
	}
}

// TestMethodOverrideIsDecidedToo: Rails, Laravel, Symfony, Express's
// method-override and ASP.NET serve a POST carrying
// X-HTTP-Method-Override: DELETE as a DELETE. Before, the decision was
// made on the POST alone, so a route limited to DELETE was skipped. Now
// every method an override header names (any case, any separator for
// '-') must be decided alike, or the request is 400 bad_method (403 to
// nginx); an override that changes nothing passes.
func TestMethodOverrideIsDecidedToo(t *testing.T) {
	t.Parallel()
	h := withAppRoutes(t,
		config.Route{Name: "site", PathPrefix: "/", Policy: "bypass"},
		config.Route{Name: "api-delete", PathPrefix: "/api", Policy: "two_factor", Methods: []string{"DELETE"}},
	)
	anon := h.newClient(t)
	// "X.HTTP.Method.Override" is HTTP_X_HTTP_METHOD_OVERRIDE to PHP
	// behind lighttpd (docs/contract.md, "Identity headers").
	for _, name := range []string{"X-HTTP-Method-Override", "x-http-method", "X_Method_Override", "X.HTTP.Method.Override"} {
		before := h.up.count()
		r := anon.do(request{method: http.MethodPost, host: appHost, path: "/api/items/1", accept: "application/json",
			header: http.Header{name: {"delete"}}})
		if r.status != http.StatusBadRequest || h.up.count() != before {
			t.Errorf("anonymous POST with %s: delete: %d, upstream reached %t; want 400 bad_method", name, r.status, h.up.count() != before)
		}
		fa := anon.do(request{host: authHost, path: prefix + "/authz/forward-auth", header: http.Header{
			"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {appHost}, "X-Forwarded-Uri": {"/api/items/1"},
			"X-Forwarded-Method": {"POST"}, name: {"DELETE"},
		}})
		if fa.status == http.StatusOK {
			t.Errorf("forward-auth, POST with %s: DELETE answered 200", name)
		}
	}
	// A list: some read its first item, some its last; each counts
	// (before: the whole value was one method name no route lists).
	for _, v := range []string{"DELETE, POST", "POST,delete", "DELETE\t"} {
		before := h.up.count()
		r := anon.do(request{method: http.MethodPost, host: appHost, path: "/api/items/1", accept: "application/json",
			header: http.Header{"X-HTTP-Method-Override": {v}}})
		if r.status != http.StatusBadRequest || h.up.count() != before {
			t.Errorf("anonymous POST with X-HTTP-Method-Override: %q: %d, upstream reached %t; want 400 bad_method", v, r.status, h.up.count() != before)
		}
	}
	anon.do(request{method: http.MethodPost, host: appHost, path: "/api/items/1", accept: "application/json",
		header: http.Header{"X-HTTP-Method-Override": {"PATCH"}}}).wantStatus(t, http.StatusOK)
}

// TestCaseInsensitiveUpstreamDecidesAnyCase: IIS, ASP.NET and Express
// (by default) serve /ADMIN as /admin. With case_insensitive_paths on the
// routes of such an upstream, path_prefix and bypass_paths match in any
// case, in proxy mode and forward-auth; before, /ADMIN/x fell to the
// route for "/" and reached the app's admin pages as any signed-in
// person. Without the setting matching stays exact (a case-sensitive app
// serves /ADMIN as another page).
func TestCaseInsensitiveUpstreamDecidesAnyCase(t *testing.T) {
	t.Parallel()
	for _, fold := range []bool{true, false} {
		h := newHarness(t, setup{edit: func(cfg *config.Config, up string) {
			var keep []config.Route
			for _, r := range cfg.Routes {
				if r.Host != appHost {
					keep = append(keep, r)
				}
			}
			keep = append(keep,
				config.Route{Name: "site", Host: appHost, PathPrefix: "/", Upstream: up, Policy: "password", BypassPaths: []string{"/public"}},
				config.Route{Name: "admin", Host: appHost, PathPrefix: "/admin", Upstream: up, Policy: "password", Groups: []string{"admins"}},
				config.Route{Name: "secret", Host: appHost, PathPrefix: "/secret", Policy: "deny"})
			for i := range keep {
				keep[i].CaseInsensitivePaths = fold // one upstream: every route alike
			}
			cfg.Routes = keep
		}})
		c := h.newClient(t)
		c.login(appHost, bob).wantStatus(t, http.StatusOK) // signed in, not an admin
		for _, p := range []string{"/ADMIN/x", "/Admin", "/aDmIn/users"} {
			want := http.StatusForbidden
			if !fold {
				want = http.StatusOK
			}
			if r := c.do(request{method: http.MethodGet, host: appHost, path: p, accept: "application/json"}); r.status != want {
				t.Errorf("case_insensitive_paths %t: bob GET %s: %d, want %d", fold, p, r.status, want)
			}
			if r := c.traefik("https", appHost, p, http.MethodGet, ""); r.status != want {
				t.Errorf("case_insensitive_paths %t: forward-auth, bob %s: %d, want %d", fold, p, r.status, want)
			}
		}
		// A deny route of the host is folded alike (check-config refuses
		// routes of one host that disagree).
		if r := c.do(request{method: http.MethodGet, host: appHost, path: "/SECRET/x", accept: "application/json"}); fold && r.status != http.StatusForbidden {
			t.Errorf("case_insensitive_paths: bob GET /SECRET/x: %d, want 403 from the deny route", r.status)
		}
		want := http.StatusOK // bypassed
		if !fold {
			want = http.StatusUnauthorized
		}
		if r := h.newClient(t).do(request{method: http.MethodGet, host: appHost, path: "/PUBLIC/x", accept: "application/json"}); r.status != want {
			t.Errorf("case_insensitive_paths %t: anonymous GET /PUBLIC/x: %d, want %d", fold, r.status, want)
		}
	}
}

// TestBypassRouteNotWidenedToBarePath: the trailing-slash rule makes a
// protecting route cover more, never a bypass route: "/public/" with
// policy bypass does not open "/public", a page of its own, as
// bypass_paths "/assets/" does not open "/assets" (before: it did).
func TestBypassRouteNotWidenedToBarePath(t *testing.T) {
	t.Parallel()
	h := withAppRoutes(t,
		config.Route{Name: "site", PathPrefix: "/", Policy: "password", BypassPaths: []string{"/assets/"}},
		config.Route{Name: "open-dir", PathPrefix: "/public/", Policy: "bypass"},
	)
	anon := h.newClient(t)
	anon.get(appHost, "/assets").wantError(t, http.StatusUnauthorized, "unauthenticated")
	anon.get(appHost, "/public").wantError(t, http.StatusUnauthorized, "unauthenticated")
	anon.get(appHost, "/public/x").wantStatus(t, http.StatusOK)
}

// TestMethodOverrideOnEveryPathReading: a servlet container drops
// ";parameters" from the path, and Jersey's HttpMethodOverrideFilter
// serves a POST with X-HTTP-Method-Override: DELETE as a DELETE, so
// POST /api;x/items/1 with the header is DELETE /api/items/1 to such an
// app. Before, the override was decided on the decoded path alone (not
// under /api) and the path's readings on the request's own method alone
// (POST, which the DELETE route does not take): the anonymous request
// reached the app past the two_factor route. Each method an override
// names must lead to the same decision on every reading of the path.
func TestMethodOverrideOnEveryPathReading(t *testing.T) {
	t.Parallel()
	h := withAppRoutes(t,
		config.Route{Name: "site", PathPrefix: "/", Policy: "bypass"},
		config.Route{Name: "api-delete", PathPrefix: "/api", Policy: "two_factor", Methods: []string{"DELETE"}},
	)
	anon := h.newClient(t)
	for _, p := range []string{"/api;x/items/1", "/api;jsessionid=1/items/1", "/api/items;x/1"} {
		before := h.up.count()
		r := anon.do(request{method: http.MethodPost, host: appHost, path: p, accept: "application/json",
			header: http.Header{"X-HTTP-Method-Override": {"DELETE"}}})
		if r.status != http.StatusBadRequest || r.errorCode(t) != "bad_method" || h.up.count() != before {
			t.Errorf("anonymous POST %s with X-HTTP-Method-Override: DELETE: %d, upstream reached %t; want 400 bad_method", p, r.status, h.up.count() != before)
		}
		fa := anon.do(request{host: authHost, path: prefix + "/authz/forward-auth", header: http.Header{
			"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {appHost}, "X-Forwarded-Uri": {p},
			"X-Forwarded-Method": {"POST"}, "X-Http-Method-Override": {"DELETE"},
		}})
		if fa.status == http.StatusOK {
			t.Errorf("forward-auth, POST %s with X-HTTP-Method-Override: DELETE answered 200", p)
		}
		if r := anon.nginx("https://"+appHost+p, "POST", http.Header{"X-Http-Method-Override": {"DELETE"}}); r.status == http.StatusOK {
			t.Errorf("auth-request, POST %s with X-HTTP-Method-Override: DELETE answered 200", p)
		}
	}
	// Without the override every reading is the bypassed site.
	anon.do(request{method: http.MethodPost, host: appHost, path: "/api;x/items/1", accept: "application/json"}).wantStatus(t, http.StatusOK)
}

// TestQueryMethodOverrideIsDecidedToo: Express's method-override given a
// name (methodOverride('_method')), Symfony and Laravel, and Jersey read
// the method of a POST from a _method parameter of the query, so
// POST /api/items/1?_method=DELETE is a DELETE to them. Before, the query
// was never part of the decision, and the anonymous request reached the
// app past a route for DELETE /api. A _method parameter (its name
// decoded, in any case, '.' or a space read as '_' as PHP does) is one
// more reading of the method, like an override header.
func TestQueryMethodOverrideIsDecidedToo(t *testing.T) {
	t.Parallel()
	h := withAppRoutes(t,
		config.Route{Name: "site", PathPrefix: "/", Policy: "bypass"},
		config.Route{Name: "api-delete", PathPrefix: "/api", Policy: "two_factor", Methods: []string{"DELETE"}},
	)
	anon := h.newClient(t)
	for _, q := range []string{
		"_method=DELETE", "_method=delete", "x=1&_method=DELETE", "%5Fmethod=DELETE", "_METHOD=DELETE",
		".method=DELETE", "_method=DELETE&_method=POST", "_method=POST&_method=DELETE", "_method=%44ELETE",
	} {
		target := "/api/items/1?" + q
		before := h.up.count()
		r := anon.do(request{method: http.MethodPost, host: appHost, path: target, accept: "application/json"})
		if r.status != http.StatusBadRequest || r.errorCode(t) != "bad_method" || h.up.count() != before {
			t.Errorf("anonymous POST %s: %d, upstream reached %t; want 400 bad_method", target, r.status, h.up.count() != before)
		}
		if r := anon.traefik("https", appHost, target, http.MethodPost, ""); r.status == http.StatusOK {
			t.Errorf("forward-auth, POST %s answered 200", target)
		}
		if r := anon.nginx("https://"+appHost+target, http.MethodPost, nil); r.status == http.StatusOK {
			t.Errorf("auth-request, POST %s answered 200", target)
		}
	}
	// An override the decision does not depend on, and other names, pass.
	for _, q := range []string{"_method=PATCH", "method=DELETE", "q=_method", "x_method=DELETE"} {
		anon.do(request{method: http.MethodPost, host: appHost, path: "/api/items/1?" + q, accept: "application/json"}).wantStatus(t, http.StatusOK)
	}
}

// TestForwardAuthMethodAsSent: behind a front door the app gets the
// method as the client sent it, and Go's ServeMux reads "get" as a method
// of its own: not GET, so a "GET /api/items" handler does not run, a
// handler registered without a method does. Traefik and Caddy pass "get"
// on. Before, forward-auth decided "get" as GET, on the route that makes
// GET /api/items public, and answered 200 to an anonymous "get" the app
// served as the signed-in site. A method not in upper case is also read
// as sent, which no route's methods take; both readings must agree.
func TestForwardAuthMethodAsSent(t *testing.T) {
	t.Parallel()
	h := withAppRoutes(t,
		config.Route{Name: "site", PathPrefix: "/", Policy: "password"},
		config.Route{Name: "public-read", PathPrefix: "/api/items", Policy: "bypass", Methods: []string{"GET"}},
	)
	// What such an app runs for each method.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/items", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("public-read")) })
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("site")) })
	anon := h.newClient(t)
	for _, m := range []string{"get", "Get", "head"} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(m, "/api/items", nil))
		if rec.Body.String() != "site" {
			t.Fatalf("ServeMux ran %q for %s, want the site's handler", rec.Body.String(), m)
		}
		if r := anon.traefik("https", appHost, "/api/items", m, ""); r.status == http.StatusOK {
			t.Errorf("forward-auth, anonymous %s /api/items answered 200: the app runs the site's handler", m)
		}
	}
	// The methods as browsers send them, and proxy mode (which forwards
	// the method upper-cased, as decided), are unchanged.
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		anon.traefik("https", appHost, "/api/items", m, "").wantStatus(t, http.StatusOK)
	}
	anon.do(request{method: "get", host: appHost, path: "/api/items", accept: "application/json"}).wantStatus(t, http.StatusOK)
}
