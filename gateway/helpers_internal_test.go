package gateway

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

func TestNormalizeHost(t *testing.T) {
	tests := []struct{ in, want string }{
		{"app.example.com", "app.example.com"},
		{"APP.Example.COM", "app.example.com"},
		{"app.example.com:8080", "app.example.com"},
		{"app.example.com.", "app.example.com"},
		{"App.Example.Com.:443", "app.example.com"},
		{"[::1]:8080", "::1"},
		{"[::1]", "::1"},
		{"127.0.0.1:80", "127.0.0.1"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := normalizeHost(tt.in); got != tt.want {
			t.Errorf("normalizeHost(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func mustTable(t testing.TB, rs []config.Route) *table {
	t.Helper()
	for i := range rs {
		if rs[i].Upstream == "" {
			rs[i].Upstream = "http://127.0.0.1:9"
		}
		if rs[i].Policy == "" {
			rs[i].Policy = PolicyPassword
		}
	}
	tab, err := compileRoutes(rs)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestRouteMatch(t *testing.T) {
	tab := mustTable(t, []config.Route{
		{Name: "any", Host: "*", PathPrefix: "/"},
		{Name: "wild", Host: "*.example.com", PathPrefix: "/"},
		{Name: "wild-deep", Host: "*.a.example.com", PathPrefix: "/"},
		{Name: "wild-admin", Host: "*.example.com", PathPrefix: "/admin"},
		{Name: "app", Host: "app.example.com", PathPrefix: "/"},
		{Name: "app-admin", Host: "App.Example.com", PathPrefix: "/admin"},
		{Name: "app-api", Host: "app.example.com", PathPrefix: "/api/"},
		{Name: "app-upload", Host: "app.example.com", PathPrefix: "/upload", Methods: []string{"POST", "PUT"}},
		{Name: "app-reports", Host: "app.example.com", PathPrefix: "/reports", Methods: []string{"get"}},
		{Name: "trailing-dot", Host: "dot.example.org.", PathPrefix: "/"},
	})
	tests := []struct {
		host, path, method, want string
	}{
		// Exact host beats wildcard beats "*".
		{"app.example.com", "/", "GET", "app"},
		{"other.example.com", "/", "GET", "wild"},
		{"x.y.example.com", "/", "GET", "wild"},
		{"x.a.example.com", "/", "GET", "wild-deep"},
		{"a.example.com", "/", "GET", "wild"}, // "*.a.example.com" needs a label before .a
		{"example.com", "/", "GET", "any"},    // "*.example.com" is not the apex
		{"attackerexample.com", "/", "GET", "any"},
		{"app.example.com.evil.net", "/", "GET", "any"},
		{"dot.example.org", "/", "GET", "trailing-dot"},
		// Longest prefix within a host, on segment boundaries.
		{"app.example.com", "/admin", "GET", "app-admin"},
		{"app.example.com", "/admin/", "GET", "app-admin"},
		{"app.example.com", "/admin/users", "GET", "app-admin"},
		{"app.example.com", "/administrator", "GET", "app"},
		{"app.example.com", "/admin.php", "GET", "app"},
		{"app.example.com", "/api/v1", "GET", "app-api"},
		{"app.example.com", "/api", "GET", "app-api"}, // "/api/" covers "/api" too
		{"app.example.com", "/apiv2", "GET", "app"},
		{"other.example.com", "/admin/x", "GET", "wild-admin"},
		{"other.example.com", "/administrator", "GET", "wild"},
		// A more specific host wins even with a shorter prefix.
		{"app.example.com", "/admin", "GET", "app-admin"},
		// Methods.
		{"app.example.com", "/upload", "POST", "app-upload"},
		{"app.example.com", "/upload/file", "PUT", "app-upload"},
		{"app.example.com", "/upload", "GET", "app"},
		{"app.example.com", "/upload", "DELETE", "app"},
		// Methods as apps read them: any case, HEAD wherever GET is listed.
		{"app.example.com", "/upload", "post", "app-upload"},
		{"app.example.com", "/upload", "Put", "app-upload"},
		{"app.example.com", "/reports", "GET", "app-reports"},
		{"app.example.com", "/reports", "HEAD", "app-reports"},
		{"app.example.com", "/reports", "head", "app-reports"},
		{"app.example.com", "/reports", "POST", "app"},
		{"app.example.com", "/upload", "HEAD", "app"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.host+tt.path, func(t *testing.T) {
			r := tab.match(tt.host, tt.path, tt.method)
			got := "<nil>"
			if r != nil {
				got = r.name
			}
			if got != tt.want {
				t.Errorf("match = %s, want %s", got, tt.want)
			}
		})
	}

	t.Run("no catch-all", func(t *testing.T) {
		tab := mustTable(t, []config.Route{
			{Name: "app", Host: "app.example.com", PathPrefix: "/app"},
			{Name: "get-only", Host: "ro.example.com", PathPrefix: "/", Methods: []string{"GET"}},
		})
		for _, q := range []struct{ host, path, method string }{
			{"app.example.com", "/", "GET"},
			{"app.example.com", "/apple", "GET"},
			{"other.example.com", "/app", "GET"},
			{"ro.example.com", "/", "POST"},
		} {
			if r := tab.match(q.host, q.path, q.method); r != nil {
				t.Errorf("%s %s%s matched %s, want none", q.method, q.host, q.path, r.name)
			}
		}
	})
}

func TestBypassPaths(t *testing.T) {
	r := &route{bypass: []string{"/health", "/static/", "/public/docs"}}
	tests := []struct {
		path string
		want bool
	}{
		{"/health", true},
		{"/health/live", true},
		{"/healthz", false},
		{"/static/app.js", true},
		{"/static", false}, // unlike path_prefix: a bypass is never widened
		{"/staticfiles", false},
		{"/public/docs", true},
		{"/public/docs/a", true},
		{"/public/docsx", false},
		{"/public", false},
		{"/", false},
	}
	for _, tt := range tests {
		if got := r.isBypassed(tt.path); got != tt.want {
			t.Errorf("isBypassed(%q) = %t, want %t", tt.path, got, tt.want)
		}
	}
}

func TestRemoveCookie(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string // nil: no Cookie header
	}{
		{"only ours", []string{"gatehouse_session=abc"}, nil},
		{"ours among others", []string{"a=1; gatehouse_session=abc; b=2"}, []string{"a=1; b=2"}},
		{"several lines", []string{"a=1", "gatehouse_session=abc", "b=2"}, []string{"a=1; b=2"}},
		{"twice", []string{"gatehouse_session=x; gatehouse_session=y; c=3"}, []string{"c=3"}},
		{"similar names kept", []string{"gatehouse_session2=k; my_gatehouse_session=k"}, []string{"gatehouse_session2=k; my_gatehouse_session=k"}},
		{"spaces", []string{" gatehouse_session = abc ;a=1"}, []string{"a=1"}},
		{"none", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.in != nil {
				h["Cookie"] = tt.in
			}
			removeCookie(h, "gatehouse_session")
			got, ok := h["Cookie"]
			if tt.want == nil {
				if ok {
					t.Errorf("Cookie = %q, want none", got)
				}
				return
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Cookie = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestResolvePathParameters pins the servlet path-parameter tricks: a
// path whose readings with and without ";parameters" lead to different
// routes is refused; one they agree on is served by that route.
func TestResolvePathParameters(t *testing.T) {
	routes, err := compileRoutes([]config.Route{
		{Name: "root", Host: "app.example.com", PathPrefix: "/", Upstream: "http://127.0.0.1:1", Policy: PolicyBypass},
		{Name: "admin", Host: "app.example.com", PathPrefix: "/admin", Upstream: "http://127.0.0.1:1", Policy: PolicyDeny, BypassPaths: []string{"/admin/static"}},
		{Name: "public", Host: "app.example.com", PathPrefix: "/public", Upstream: "http://127.0.0.1:1", Policy: PolicyBypass},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{"/admin;jsessionid=abc", "bad_path"},
		{"/admin;x/users", "bad_path"},
		{"/public/..;/admin", "bad_path"},
		{"/public/..;x=1/admin/", "bad_path"},
		{"/public;/../admin", "bad_path"},
		{"/;/admin", "bad_path"},
		{"/admin/static;x/secret", "bad_path"}, // bypassed to a servlet, not to a literal reader
		{"/admin/x;jsessionid=1", "admin"},
		{"/public/page;v=2", "public"},
		{"/adminx;y", "root"},
		{"/admin/static/app.css;v=3", "admin (bypassed)"},
	} {
		rp, err := readPath(tc.path)
		got := "bad_path"
		if err == nil {
			var rt *route
			var bypassed bool
			rt, bypassed, err = routes.resolve("app.example.com", &rp, "GET")
			if err == nil {
				got = rt.name
				if bypassed && rt.policy != PolicyBypass {
					got += " (bypassed)"
				}
			}
		}
		if err != nil && !errors.Is(err, errBadPath) {
			t.Fatalf("%q: %v", tc.path, err)
		}
		if got != tc.want {
			t.Errorf("resolve(%q) = %s, want %s", tc.path, got, tc.want)
		}
	}
}

// TestHeaderConstantsAreCanonical pins what headerValue relies on: the
// names it reads are those net/http stores received headers under.
func TestHeaderConstantsAreCanonical(t *testing.T) {
	for _, k := range []string{hdrRequestID, hdrForwardedProto, hdrForwardedHost, hdrForwardedURI, hdrForwardedMethod, hdrOriginalURL, hdrOriginalMethod} {
		if c := http.CanonicalHeaderKey(k); c != k {
			t.Errorf("%q is not canonical (%q)", k, c)
		}
	}
	h := http.Header{}
	h.Set("x-forwarded-uri", "/a")
	h.Add("X-Forwarded-Uri", "/b")
	if got, want := headerValue(h, hdrForwardedURI), h.Get("x-forwarded-uri"); got != want {
		t.Errorf("headerValue = %q, Get = %q", got, want)
	}
	if got := headerValue(h, hdrForwardedHost); got != "" {
		t.Errorf("headerValue of a missing header = %q", got)
	}
}
