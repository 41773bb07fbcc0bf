package config_test

// Validate's cases for the portal section.

import (
	"strings"

	"github.com/gatehouse-auth/gatehouse/config"
)

// portalRules are the cases of TestValidateRules for the portal section.
var portalRules = []ruleCase{
	{"app_name empty", fn(func(c *config.Config) { c.Portal.AppName = " " }), []string{"portal.app_name"}},
	{"app_name too long", fn(func(c *config.Config) { c.Portal.AppName = strings.Repeat("x", 61) }), []string{"portal.app_name"}},
	{"app_name with a line break", fn(func(c *config.Config) { c.Portal.AppName = "Acme\nCRM" }), []string{"portal.app_name"}},
	{"app_name unicode", fn(func(c *config.Config) { c.Portal.AppName = "Élan Café ✓" }), nil},
	{"logo_url https", fn(func(c *config.Config) { c.Portal.LogoURL = "https://cdn.example.com/logo.svg" }), nil},
	{"logo_url path", fn(func(c *config.Config) { c.Portal.LogoURL = "/assets/logo.png" }), nil},
	{"logo_url http", fn(func(c *config.Config) { c.Portal.LogoURL = "http://cdn.example.com/logo.svg" }), []string{"portal.logo_url"}},
	{"logo_url scheme-relative", fn(func(c *config.Config) { c.Portal.LogoURL = "//cdn.example.com/logo.svg" }), []string{"portal.logo_url"}},
	{"logo_url javascript", fn(func(c *config.Config) { c.Portal.LogoURL = "javascript:alert(1)" }), []string{"portal.logo_url"}},
	{"logo_url and logo_file", fn(func(c *config.Config) { c.Portal.LogoURL, c.Portal.LogoFile = "/l.png", "l.png" }), []string{"portal.logo_url"}},
	{"logo_file image", fn(func(c *config.Config) { c.Portal.LogoFile = "brand/Logo.SVG" }), nil},
	{"logo_file not an image", fn(func(c *config.Config) { c.Portal.LogoFile = "logo.html" }), []string{"portal.logo_file"}},
	{"primary_color short", fn(func(c *config.Config) { c.Portal.PrimaryColor = "#e60" }), nil},
	{"primary_color name", fn(func(c *config.Config) { c.Portal.PrimaryColor = "red" }), []string{"portal.primary_color"}},
	{"primary_color without #", fn(func(c *config.Config) { c.Portal.PrimaryColor = "0b5cad" }), []string{"portal.primary_color"}},
	{"primary_color with alpha", fn(func(c *config.Config) { c.Portal.PrimaryColor = "#0b5cadff" }), []string{"portal.primary_color"}},
}
