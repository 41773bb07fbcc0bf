package config_test

// Validate's cases for the session section.

import (
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// sessionRules are the cases of TestValidateRules for the session section.
var sessionRules = []ruleCase{
	{"cookie_name empty", fn(func(c *config.Config) { c.Session.CookieName = "" }), []string{"session.cookie_name"}},
	{"cookie_name invalid", fn(func(c *config.Config) { c.Session.CookieName = "my session" }), []string{"session.cookie_name"}},
	{"cookie_name __Host- with domain", fn(func(c *config.Config) {
		c.Session.CookieName = "__Host-gh"
		c.Session.CookieDomain = "example.com"
	}), []string{"session.cookie_name"}},
	{"cookie_name __Secure- not secure", fn(func(c *config.Config) { c.Session.CookieName = "__Secure-gh"; c.Session.Secure = false }),
		[]string{"session.cookie_name"}},
	{"cookie_domain invalid", fn(func(c *config.Config) { c.Session.CookieDomain = "exa mple.com" }), []string{"session.cookie_domain"}},
	{"cookie_domain with port", fn(func(c *config.Config) { c.Session.CookieDomain = "example.com:443" }), []string{"session.cookie_domain"}},
	{"cookie_domain not covering public_url", fn(func(c *config.Config) { c.Session.CookieDomain = "example.org" }), []string{"session.cookie_domain"}},
	{"cookie_domain suffix but not subdomain", fn(func(c *config.Config) { c.Session.CookieDomain = "ample.com" }), []string{"session.cookie_domain"}},
	{"cookie_domain parent", fn(func(c *config.Config) { c.Session.CookieDomain = ".Example.com" }), nil},
	{"cookie_domain exact", fn(func(c *config.Config) { c.Session.CookieDomain = "auth.example.com" }), nil},
	{"same_site capitalised", fn(func(c *config.Config) { c.Session.SameSite = "Lax" }), []string{"session.same_site"}},
	{"same_site none insecure", fn(func(c *config.Config) { c.Session.SameSite = "none"; c.Session.Secure = false }), []string{"session.same_site"}},
	{"same_site none secure", fn(func(c *config.Config) { c.Session.SameSite = "none" }), nil},
	{"same_site strict insecure", fn(func(c *config.Config) { c.Session.SameSite = "strict"; c.Session.Secure = false }), nil},
	{"secure cookie over http", fn(func(c *config.Config) { c.Server.PublicURL = "http://auth.example.com" }), []string{"session.secure"}},
	{"insecure cookie over http", fn(func(c *config.Config) { c.Server.PublicURL = "http://auth.example.com"; c.Session.Secure = false }), nil},
	{"secure cookie over http on loopback", fn(func(c *config.Config) { c.Server.PublicURL = "http://127.0.0.1:8080" }), nil},
	{"secure cookie over http on localhost", fn(func(c *config.Config) { c.Server.PublicURL = "http://localhost:8080" }), nil},
	{"idle_timeout zero", fn(func(c *config.Config) { c.Session.IdleTimeout = 0 }), []string{"session.idle_timeout"}},
	{"absolute below idle", fn(func(c *config.Config) { c.Session.AbsoluteTimeout = 10 * time.Minute }), []string{"session.absolute_timeout"}},
	{"absolute equal idle", fn(func(c *config.Config) { c.Session.AbsoluteTimeout = c.Session.IdleTimeout }), nil},
	{"remember_me negative", fn(func(c *config.Config) { c.Session.RememberMe = -time.Hour }), []string{"session.remember_me"}},
	{"remember_me disabled", fn(func(c *config.Config) { c.Session.RememberMe = 0 }), nil},
}
