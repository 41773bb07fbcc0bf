package config_test

// Routes no request reaches: refused, or warned of where they could only
// have let less through.

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestRoutesNoRequestReachesAreRefused checks that a route meant to ask
// more of some paths, whose path_prefix no request is decided on (a glob,
// an escape, a dot or empty segment) or whose every request a route of
// the same host for the same prefix with "/" takes, is refused: before,
// check-config said nothing and the paths went to the host's other route
// (a deny route for "/admin/*" let /admin/users through on a password).
func TestRoutesNoRequestReachesAreRefused(t *testing.T) {
	deny := func(prefix string) func(c *config.Config) {
		return addRoute(config.Route{Name: "no-admin", Host: "app.example.com", PathPrefix: prefix, Policy: "deny"})
	}
	route := func(r config.Route) func(c *config.Config) {
		if r.Host == "" {
			r.Host = "app.example.com"
		}
		if r.Upstream == "" {
			r.Upstream = "http://127.0.0.1:9001"
		}
		return addRoute(r)
	}
	tests := []struct {
		name     string
		change   []func(c *config.Config)
		problems []string
		warnings []string
	}{
		{"glob", fn(deny("/admin/*")), []string{"routes.1.path_prefix"}, nil},
		{"glob in a segment", fn(deny("/admin*")), []string{"routes.1.path_prefix"}, nil},
		{"escaped", fn(deny("/my%20admin")), []string{"routes.1.path_prefix"}, nil},
		{"parameters", fn(deny("/admin;jsessionid")), []string{"routes.1.path_prefix"}, nil},
		{"empty segment", fn(deny("/app//admin")), []string{"routes.1.path_prefix"}, nil},
		{"double slash", fn(deny("//")), []string{"routes.1.path_prefix"}, nil},
		{"dot segment", fn(deny("/app/../admin")), []string{"routes.1.path_prefix"}, nil},
		{"space at a segment's end", fn(deny("/admin /")), []string{"routes.1.path_prefix"}, nil},
		{"backslash", fn(deny(`/admin\x`)), []string{"routes.1.path_prefix"}, nil},
		{"a segment ending in a dot", fn(deny("/admin./")), []string{"routes.1.path_prefix"}, nil},
		{"an ASP.NET cookieless segment", fn(deny("/(S(x))/admin")), []string{"routes.1.path_prefix"}, nil},
		{"dots inside and a name of dots", fn(deny("/a.b/.../c")), nil, nil},
		{"plain paths", fn(deny("/admin/"), deny("/api/v1.2/internal"), func(c *config.Config) { c.Routes[2].Name = "no-api" }), nil, nil},
		{"glob on a bypass route", fn(route(config.Route{Name: "pub", PathPrefix: "/public/*", Policy: "bypass"})), nil, []string{"routes.1.path_prefix"}},
		{"glob in bypass_paths", fn(func(c *config.Config) { c.Routes[0].BypassPaths = []string{"/static/*", "/health"} }), nil, []string{"routes.0.bypass_paths.0"}},

		{"bare prefix beside the same with a slash", fn(deny("/admin"), route(config.Route{Name: "admin", PathPrefix: "/admin/", Policy: "two_factor"})),
			[]string{"routes.1.path_prefix"}, nil},
		{"with a slash first", fn(route(config.Route{Name: "admin", PathPrefix: "/admin/", Policy: "password"}), deny("/admin")),
			[]string{"routes.2.path_prefix"}, nil},
		{"beside a bypass route with a slash", fn(deny("/admin"), route(config.Route{Name: "admin", PathPrefix: "/admin/", Policy: "bypass"})), nil, nil},
		{"bypass route beside the same with a slash", fn(route(config.Route{Name: "pub", PathPrefix: "/pub", Policy: "bypass"}), route(config.Route{Name: "pub2", PathPrefix: "/pub/", Policy: "password"})),
			nil, []string{"routes.1.path_prefix"}},
		{"other methods", fn(route(config.Route{Name: "r", PathPrefix: "/api", Policy: "password", Methods: []string{"GET"}}), route(config.Route{Name: "w", PathPrefix: "/api/", Policy: "two_factor", Methods: []string{"POST"}})),
			nil, nil},
		{"methods covered", fn(route(config.Route{Name: "r", PathPrefix: "/api", Policy: "two_factor", Methods: []string{"HEAD", "GET"}}), route(config.Route{Name: "w", PathPrefix: "/api/", Policy: "password", Methods: []string{"GET", "POST"}})),
			[]string{"routes.1.path_prefix"}, nil},
		{"other host", fn(deny("/admin"), route(config.Route{Name: "admin", Host: "crm.example.com", PathPrefix: "/admin/", Policy: "password"})), nil, nil},
		{"same prefix in another case on a case-insensitive host", fn(func(c *config.Config) { c.Routes[0].CaseInsensitivePaths = true },
			route(config.Route{Name: "a", PathPrefix: "/Admin", Policy: "two_factor", CaseInsensitivePaths: true}),
			route(config.Route{Name: "b", PathPrefix: "/admin", Policy: "password", CaseInsensitivePaths: true})), []string{"routes.2"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			for _, change := range tt.change {
				change(cfg)
			}
			warnings, err := cfg.Check()
			if got := keys(err); !equal(got, tt.problems) {
				t.Errorf("problems at %q, want %q\n%v", got, tt.problems, err)
			}
			var got []string
			for _, w := range warnings {
				if w.Key != "otp.allowed_countries" && w.Key != "server.public_url" {
					got = append(got, w.Key)
				}
			}
			if !equal(got, tt.warnings) {
				t.Errorf("warnings at %q, want %q\n%v", got, tt.warnings, warnings)
			}
		})
	}
}
