package config_test

// Validate's cases for the otp section.

import (
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// otpRules are the cases of TestValidateRules for the otp section.
var otpRules = []ruleCase{
	{"length 5", fn(func(c *config.Config) { c.OTP.Length = 5 }), []string{"otp.length"}},
	{"length 11", fn(func(c *config.Config) { c.OTP.Length = 11 }), []string{"otp.length"}},
	{"length 10", fn(func(c *config.Config) { c.OTP.Length = 10 }), nil},
	{"ttl zero", fn(func(c *config.Config) { c.OTP.TTL = 0 }), []string{"otp.ttl"}},
	{"max_attempts zero", fn(func(c *config.Config) { c.OTP.MaxAttempts = 0 }), []string{"otp.max_attempts"}},
	{"resend_cooldown negative", fn(func(c *config.Config) { c.OTP.ResendCooldown = -time.Second }), []string{"otp.resend_cooldown"}},
	{"resend_cooldown equal ttl", fn(func(c *config.Config) { c.OTP.ResendCooldown = c.OTP.TTL }), []string{"otp.resend_cooldown"}},
	{"resend_cooldown zero", fn(func(c *config.Config) { c.OTP.ResendCooldown = 0 }), nil},
	{"max_sends", fn(func(c *config.Config) { c.OTP.MaxSends = config.MaxSends{} }), []string{"otp.max_sends.count", "otp.max_sends.window"}},
	{"countries fine", fn(func(c *config.Config) { c.OTP.AllowedCountries = []string{"US", "GB", "DE"} }), nil},
	{"number types", fn(func(c *config.Config) { c.OTP.AllowedNumberTypes = []string{"mobile", "satellite"} }), []string{"otp.allowed_number_types.1"}},
	{"no number type", fn(func(c *config.Config) { c.OTP.AllowedNumberTypes = nil }), []string{"otp.allowed_number_types"}},
	{"countries", fn(func(c *config.Config) { c.OTP.AllowedCountries = []string{"US", "us", "USA", "UK", "XX", "", "é"} }),
		[]string{"otp.allowed_countries.1", "otp.allowed_countries.2", "otp.allowed_countries.3", "otp.allowed_countries.4", "otp.allowed_countries.5", "otp.allowed_countries.6"}},
	{"max_sends_per_ip off", fn(func(c *config.Config) { c.OTP.MaxSendsPerIP = config.MaxSends{} }), nil},
	{"max_sends_per_ip negative", fn(func(c *config.Config) { c.OTP.MaxSendsPerIP.Count = -1 }), []string{"otp.max_sends_per_ip.count"}},
	{"max_sends_per_ip without window", fn(func(c *config.Config) { c.OTP.MaxSendsPerIP.Window = 0 }), []string{"otp.max_sends_per_ip.window"}},
	{"default_region fine", fn(func(c *config.Config) { c.OTP.DefaultRegion = "FR" }), nil},
	{"default_region bad", fn(func(c *config.Config) { c.OTP.DefaultRegion = "uk" }), []string{"otp.default_region"}},
	{"default_region not allowed", fn(func(c *config.Config) { c.OTP.DefaultRegion = "FR"; c.OTP.AllowedCountries = []string{"US"} }),
		[]string{"otp.default_region"}},
	{"default_region allowed", fn(func(c *config.Config) { c.OTP.DefaultRegion = "US"; c.OTP.AllowedCountries = []string{"US"} }), nil},
	{"message empty", fn(func(c *config.Config) { c.OTP.Message = "" }), []string{"otp.message"}},
	{"message unparsable", fn(func(c *config.Config) { c.OTP.Message = "code {{.Code" }), []string{"otp.message"}},
	{"message unknown field", fn(func(c *config.Config) { c.OTP.Message = "code {{.Cod}}" }), []string{"otp.message"}},
	{"message without code", fn(func(c *config.Config) { c.OTP.Message = "Welcome to {{.App}}" }), []string{"otp.message"}},
	{"message too long", fn(func(c *config.Config) { c.OTP.Message = strings.Repeat("x", 2000) + "{{.Code}}" }), []string{"otp.message"}},
	{"message minimal", fn(func(c *config.Config) { c.OTP.Message = "{{.Code}}" }), nil},
}
