package config_test

// Validate's cases for the identity section: keys, assertion lifetime
// and identity headers.

import (
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// identityRules are the cases of TestValidateRules for the identity section.
var identityRules = []ruleCase{
	{"signing_key_file empty", fn(func(c *config.Config) { c.Identity.SigningKeyFile = "" }), []string{"identity.signing_key_file"}},
	{"previous_key_files empty entry", fn(func(c *config.Config) { c.Identity.PreviousKeyFiles = []string{"old.key", ""} }),
		[]string{"identity.previous_key_files.1"}},
	{"assertion_ttl too short", fn(func(c *config.Config) { c.Identity.AssertionTTL = 500 * time.Millisecond }), []string{"identity.assertion_ttl"}},
	{"assertion_ttl too long", fn(func(c *config.Config) { c.Identity.AssertionTTL = 2 * time.Hour }), []string{"identity.assertion_ttl"}},
	{"assertion_ttl bounds", fn(func(c *config.Config) { c.Identity.AssertionTTL = time.Hour }), nil},
	{"user and assertion headers required", fn(func(c *config.Config) { c.Identity.Headers.User = ""; c.Identity.Headers.Assertion = "" }),
		[]string{"identity.headers.user", "identity.headers.assertion"}},
	{"optional headers off", fn(func(c *config.Config) {
		h := &c.Identity.Headers
		h.Email, h.Name, h.Groups, h.Phone, h.Methods = "", "", "", "", ""
	}), nil},
	{"header not a token", fn(func(c *config.Config) { c.Identity.Headers.Email = "X Auth Email" }), []string{"identity.headers.email"}},
	{"header reserved", fn(func(c *config.Config) {
		c.Identity.Headers.Name = "authorization"
		c.Identity.Headers.Phone = "X-Forwarded-For"
	}), []string{"identity.headers.name", "identity.headers.phone"}},
	{"headers not distinct", fn(func(c *config.Config) {
		c.Identity.Headers.Groups = "x-auth-user"
		c.Identity.Headers.Phone = "X_Auth_Email"
	}), []string{"identity.headers.groups", "identity.headers.phone"}},
	// Any byte but a letter or digit is '-' to the gateway's matching of
	// header names (docs/contract.md, "Identity headers"): these would
	// delete Sec-Fetch-Site and X-Forwarded-For from every request, and
	// send the app the user's name twice.
	{"header reserved in another spelling", fn(func(c *config.Config) {
		c.Identity.Headers.Name = "Sec.Fetch.Site"
		c.Identity.Headers.Phone = "X~Forwarded~For"
	}), []string{"identity.headers.name", "identity.headers.phone"}},
	{"headers not distinct by their separators", fn(func(c *config.Config) {
		c.Identity.Headers.Groups = "X.Auth.User"
	}), []string{"identity.headers.groups"}},
}
