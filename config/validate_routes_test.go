package config_test

// Validate's cases for the routes, and routes that split one path by
// method.

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

func addRoute(r config.Route) func(c *config.Config) {
	return func(c *config.Config) { c.Routes = append(c.Routes, r) }
}

// routesRules are the cases of TestValidateRules for the routes.
var routesRules = []ruleCase{
	{"no routes", fn(func(c *config.Config) { c.Routes = nil }), nil},
	{"route name missing", fn(func(c *config.Config) { c.Routes[0].Name = "" }), []string{"routes.0.name"}},
	{"routes of one upstream disagree on case", fn(addRoute(config.Route{Name: "admin", Host: "crm.example.com", PathPrefix: "/admin", Upstream: "http://127.0.0.1:9001", Policy: "two_factor", CaseInsensitivePaths: true})), []string{"routes.1.case_insensitive_paths"}},
	{"routes of one host disagree on case", fn(func(c *config.Config) { c.Routes[0].CaseInsensitivePaths = true }, addRoute(config.Route{Name: "no-admin", Host: "app.example.com", PathPrefix: "/admin", Policy: "deny"})), []string{"routes.1.case_insensitive_paths"}},
	{"routes of one upstream agree on case", fn(func(c *config.Config) { c.Routes[0].CaseInsensitivePaths = true }, addRoute(config.Route{Name: "admin", Host: "crm.example.com", PathPrefix: "/admin", Upstream: "http://127.0.0.1:9001", Policy: "two_factor", CaseInsensitivePaths: true})), nil},
	{"route display_name two lines", fn(func(c *config.Config) { c.Routes[0].DisplayName = "Acme\nCRM" }), []string{"routes.0.display_name"}},
	{"route display_name too long", fn(func(c *config.Config) { c.Routes[0].DisplayName = strings.Repeat("x", 101) }), []string{"routes.0.display_name"}},
	{"route name taken", fn(addRoute(config.Route{Name: "app", Host: "b.example.com", PathPrefix: "/", Upstream: "http://b", Policy: "bypass"})),
		[]string{"routes.1.name"}},
	{"route host missing", fn(func(c *config.Config) { c.Routes[0].Host = "" }), []string{"routes.0.host"}},
	{"route host URL", fn(func(c *config.Config) { c.Routes[0].Host = "https://app.example.com" }), []string{"routes.0.host"}},
	{"route host with port", fn(func(c *config.Config) { c.Routes[0].Host = "app.example.com:8443" }), []string{"routes.0.host"}},
	{"route host invalid", fn(func(c *config.Config) { c.Routes[0].Host = "app..example.com" }), []string{"routes.0.host"}},
	{"second_factors on a password route", fn(func(c *config.Config) { c.Routes[0].Policy = "password"; c.Routes[0].SecondFactors = []string{"sms"} }), []string{"routes.0.second_factors"}},
	{"second_factors unknown", fn(func(c *config.Config) {
		c.Routes[0].Policy = "two_factor"
		c.Routes[0].SecondFactors = []string{"sms", "hwk"}
	}), []string{"routes.0.second_factors.1"}},
	{"second_factors twice", fn(func(c *config.Config) {
		c.Routes[0].Policy = "two_factor"
		c.Routes[0].SecondFactors = []string{"sms", "sms"}
	}), []string{"routes.0.second_factors.1"}},
	{"second_factors otp without totp", fn(func(c *config.Config) { c.Routes[0].Policy = "two_factor"; c.Routes[0].SecondFactors = []string{"otp"} }), []string{"routes.0.second_factors.0"}},
	{"second_factors otp with totp", fn(func(c *config.Config) {
		c.Routes[0].Policy = "two_factor"
		c.Routes[0].SecondFactors = []string{"otp", "sms"}
		c.TOTP = config.TOTP{Enabled: true, SecretKey: totpKey}
	}), nil},
	{"route host bad wildcard", fn(func(c *config.Config) { c.Routes[0].Host = "app.*.example.com" }), []string{"routes.0.host"}},
	{"route host wildcard", fn(func(c *config.Config) { c.Routes[0].Host = "*.example.com" }), nil},
	{"route host any", fn(func(c *config.Config) { c.Routes[0].Host = "*" }), nil},
	{"route host upper-case", fn(func(c *config.Config) { c.Routes[0].Host = "App.Example.COM" }), nil},
	{"route host localhost", fn(func(c *config.Config) { c.Routes[0].Host = "localhost" }), nil},
	{"route path_prefix relative", fn(func(c *config.Config) { c.Routes[0].PathPrefix = "app" }), []string{"routes.0.path_prefix"}},
	{"route path_prefix empty", fn(func(c *config.Config) { c.Routes[0].PathPrefix = "" }), []string{"routes.0.path_prefix"}},
	{"route path_prefix query", fn(func(c *config.Config) { c.Routes[0].PathPrefix = "/a?b" }), []string{"routes.0.path_prefix"}},
	{"route upstream missing", fn(func(c *config.Config) { c.Routes[0].Upstream = "" }), []string{"routes.0.upstream"}},
	{"route upstream missing on deny", fn(func(c *config.Config) { c.Routes[0].Upstream = ""; c.Routes[0].Policy = "deny" }), nil},
	// A deny route's bypass_paths are forwarded to its upstream: without
	// one, each answered 502 (docs/contract.md, "Routes: path_prefix and
	// methods").
	{"route upstream missing on deny with bypass_paths", fn(func(c *config.Config) {
		c.Routes[0].Upstream, c.Routes[0].Policy, c.Routes[0].BypassPaths = "", "deny", []string{"/health"}
	}), []string{"routes.0.upstream"}},
	{"route upstream without scheme", fn(func(c *config.Config) { c.Routes[0].Upstream = "127.0.0.1:9001" }), []string{"routes.0.upstream"}},
	{"route upstream without host", fn(func(c *config.Config) { c.Routes[0].Upstream = "http://" }), []string{"routes.0.upstream"}},
	{"route upstream with path", fn(func(c *config.Config) { c.Routes[0].Upstream = "https://backend:8443/app/" }), nil},
	{"route policy missing", fn(func(c *config.Config) { c.Routes[0].Policy = "" }), []string{"routes.0.policy"}},
	{"route policy unknown", fn(func(c *config.Config) { c.Routes[0].Policy = "2fa" }), []string{"routes.0.policy"}},
	{"route cache allow", fn(func(c *config.Config) { c.Routes[0].Cache = config.RouteCacheAllow }), nil},
	{"route cache no-store", fn(func(c *config.Config) { c.Routes[0].Cache = config.RouteCacheNoStore }), nil},
	{"route cache unknown", fn(func(c *config.Config) { c.Routes[0].Cache = "public" }), []string{"routes.0.cache"}},
	{"route cross_origin_posts unknown", fn(func(c *config.Config) { c.Routes[0].CrossOriginPosts = "same-site" }), []string{"routes.0.cross_origin_posts"}},
	{"route policies", fn(func(c *config.Config) {
		for _, p := range []string{"bypass", "sms", "two_factor", "deny"} {
			c.Routes = append(c.Routes, config.Route{Name: p, Host: "app.example.com", PathPrefix: "/" + p,
				Upstream: "http://b", Policy: p})
		}
	}), nil},
	{"route groups empty entry", fn(func(c *config.Config) { c.Routes[0].Groups = []string{"admins", " "} }), []string{"routes.0.groups.1"}},
	{"route methods", fn(func(c *config.Config) { c.Routes[0].Methods = []string{"GET", "post", "PUT DELETE", "PROPFIND"} }),
		[]string{"routes.0.methods.1", "routes.0.methods.2"}},
	{"route bypass_paths", fn(func(c *config.Config) { c.Routes[0].BypassPaths = []string{"/static/", "health"} }), []string{"routes.0.bypass_paths.1"}},
	{"route max_auth_age negative", fn(func(c *config.Config) { c.Routes[0].MaxAuthAge = -time.Minute }), []string{"routes.0.max_auth_age"}},
	{"route timeouts", fn(func(c *config.Config) {
		c.Routes[0].Timeouts = config.RouteTimeouts{Dial: time.Second, Response: 45 * time.Second}
	}), nil},
	{"route timeouts negative", fn(func(c *config.Config) { c.Routes[0].Timeouts = config.RouteTimeouts{Dial: -1, Response: -1} }),
		[]string{"routes.0.timeouts.dial", "routes.0.timeouts.response"}},
	{"route response timeout beyond the write timeout", fn(func(c *config.Config) {
		c.Server.Timeouts.Write = 20 * time.Second
		c.Routes[0].Timeouts.Response = 20 * time.Second
	}), []string{"routes.0.timeouts.response"}},
	{"routes same host and prefix", fn(addRoute(config.Route{Name: "b", Host: "APP.example.com", PathPrefix: "/", Upstream: "http://b", Policy: "bypass"})),
		[]string{"routes.1"}},
	{"routes same host other prefix", fn(addRoute(config.Route{Name: "b", Host: "app.example.com", PathPrefix: "/b", Upstream: "http://b", Policy: "bypass"})), nil},
}

func TestRoutesMaySplitOnePathByMethod(t *testing.T) {
	route := func(name string, methods ...string) config.Route {
		return config.Route{Name: name, Host: "crm.example.com", PathPrefix: "/api", Upstream: "http://127.0.0.1:9001", Policy: "password", Methods: methods}
	}
	for _, tc := range []struct {
		name   string
		routes []config.Route
		ok     bool
	}{
		{"disjoint methods", []config.Route{route("r", "GET"), route("w", "POST", "PUT")}, true},
		{"overlapping methods", []config.Route{route("r", "GET", "POST"), route("w", "post")}, false},
		{"all methods then some", []config.Route{route("all"), route("w", "POST")}, false},
		{"some methods then all", []config.Route{route("w", "POST"), route("all")}, false},
		{"both all", []config.Route{route("a"), route("b")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.Routes = tc.routes
			err := cfg.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// TestUpstreamWithoutSchemeSaysWhatToWrite: an upstream written as
// host:port, as nginx's proxy_pass never takes it but many other
// configurations do, is told to start with http://.
func TestUpstreamWithoutSchemeSaysWhatToWrite(t *testing.T) {
	for _, upstream := range []string{"127.0.0.1:9001", "10.0.0.5:8080"} {
		cfg := mustParse(t, "routes:\n  - name: app\n    host: app.example.com\n    upstream: \""+upstream+"\"\n    policy: password\n")
		err := cfg.Validate()
		want := "gateway.yaml:4: routes.0.upstream: not a valid URL: write an absolute http:// or https:// URL, scheme first (http://127.0.0.1:9001, not 127.0.0.1:9001)"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error:\n%v\nwant a line:\n%s", upstream, err, want)
		}
	}
}
