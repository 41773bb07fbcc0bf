package config_test

// Validate's cases for the totp section, authenticator apps.

import "github.com/gatehouse-auth/gatehouse/config"

// totpKey is a valid totp.secret_key (32 bytes).
const totpKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// totpRules are the cases of TestValidateRules for the totp section.
var totpRules = []ruleCase{
	{"totp enabled without key", fn(func(c *config.Config) { c.TOTP.Enabled = true }), []string{"totp.secret_key_file"}},
	{"totp key not base64", fn(func(c *config.Config) { c.TOTP = config.TOTP{Enabled: true, SecretKey: "not base64!"} }), []string{"totp.secret_key"}},
	{"totp key too short", fn(func(c *config.Config) { c.TOTP = config.TOTP{Enabled: true, SecretKey: "c2hvcnQ="} }), []string{"totp.secret_key"}},
	{"totp issuer with colon", fn(func(c *config.Config) { c.TOTP.Issuer = "Acme: CRM" }), []string{"totp.issuer"}},
}
