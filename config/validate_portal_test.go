package config_test

// Validate's cases for the portal section, and its warning of a name
// texts do not carry as written.

import (
	"strings"
	"testing"

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

// TestAppNameNotTextedAsWrittenIsWarned: check-config warns, at
// portal.app_name's line, of a name that codes and notices do not carry
// as written (more than 30 characters, or one outside GSM 7-bit's basic
// set), saying what they name the gateway instead; a provider that
// sends only its own codes texts no name, and gets no warning
// (docs/contract.md, "SMS delivery").
func TestAppNameNotTextedAsWrittenIsWarned(t *testing.T) {
	for _, tc := range []struct{ app, provider, want string }{
		{"Acme Customer Relations Portal", "webhook", ""}, // 30 characters
		{"Acme Customer Relations Portal!", "webhook", `gateway.yaml:5: warning: portal.app_name: "Acme Customer Relations Portal!" is not texted as written: codes and notices name the gateway "auth.example.com"`},
		{"Acme’s CRM", "twilio_messaging", `gateway.yaml:5: warning: portal.app_name: "Acme’s CRM" is not texted as written: codes and notices name the gateway "auth.example.com"`},
		{"Acme’s CRM", "twilio_verify", ""},
	} {
		t.Run(tc.app+" "+tc.provider, func(t *testing.T) {
			src := "server:\n  public_url: \"https://auth.example.com\"\nsms: { provider: " + tc.provider + " }\nportal:\n  app_name: \"" + tc.app + "\"\n"
			warnings, _ := mustParse(t, src).Check()
			var got string
			for _, w := range warnings {
				if w.Key == "portal.app_name" {
					got = w.Error()
				}
			}
			if tc.want == "" && got != "" || !strings.HasPrefix(got, tc.want) {
				t.Errorf("warning %q, want one starting %q", got, tc.want)
			}
		})
	}
}
