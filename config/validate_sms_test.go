package config_test

// Validate's cases for the sms section and its providers.

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

func withTwilio(provider string) func(c *config.Config) {
	return func(c *config.Config) {
		c.SMS.Provider = provider
		c.SMS.Twilio.AccountSID = "AC0123456789abcdef0123456789ABCDEF"
		c.SMS.Twilio.AuthToken = "token"
		c.SMS.Twilio.From = "+12015550100"
		c.SMS.Twilio.VerifyServiceSID = "VA0123456789abcdef0123456789abcdef"
	}
}

// smsRules are the cases of TestValidateRules for the sms section.
var smsRules = []ruleCase{
	{"provider unknown", fn(func(c *config.Config) { c.SMS.Provider = "pigeon" }), []string{"sms.provider"}},
	{"sms timeout zero", fn(func(c *config.Config) { c.SMS.Timeout = 0 }), []string{"sms.timeout"}},
	{"sms timeout beyond the write timeout", fn(func(c *config.Config) { c.SMS.Timeout = c.Server.Timeouts.Write }), []string{"sms.timeout"}},
	{"twilio token not alphanumeric", fn(withTwilio("twilio_messaging"), func(c *config.Config) { c.SMS.Twilio.AuthToken = "tok en\n" }),
		[]string{"sms.twilio.auth_token"}},
	{"sinch credentials malformed", fn(func(c *config.Config) {
		c.SMS.Provider = "sinch"
		c.SMS.Sinch = config.Sinch{Auth: "signed", KeyID: "key:id", KeySecret: "sec ret"}
	}), []string{"sms.sinch.key_id", "sms.sinch.key_secret"}},
	{"twilio_messaging fine", fn(withTwilio("twilio_messaging")), nil},
	{"twilio_messaging with service only", fn(withTwilio("twilio_messaging"), func(c *config.Config) {
		c.SMS.Twilio.From = ""
		c.SMS.Twilio.MessagingServiceSID = "MG0123456789abcdef0123456789abcdef"
	}), nil},
	{"twilio_messaging empty", fn(func(c *config.Config) { c.SMS.Provider = "twilio_messaging" }),
		[]string{"sms.twilio.account_sid", "sms.twilio.auth_token", "sms.twilio"}},
	{"twilio bad values", fn(withTwilio("twilio_messaging"), func(c *config.Config) {
		c.SMS.Twilio.AccountSID = "AC123"
		c.SMS.Twilio.From = "2015550100"
		c.SMS.Twilio.MessagingServiceSID = "MGxyz"
		c.SMS.Twilio.BaseURL = "api.twilio.com"
	}), []string{"sms.twilio.account_sid", "sms.twilio.base_url", "sms.twilio.from", "sms.twilio.messaging_service_sid"}},
	{"twilio_verify fine", fn(withTwilio("twilio_verify"), func(c *config.Config) { c.SMS.Twilio.From = "" }), nil},
	{"twilio API key fine", fn(withTwilio("twilio_messaging"), func(c *config.Config) {
		c.SMS.Twilio.AuthToken = ""
		c.SMS.Twilio.APIKeySID = "SK0123456789abcdef0123456789abcdef"
		c.SMS.Twilio.APIKeySecret = "secret0123"
	}), nil},
	{"twilio API key and auth token", fn(withTwilio("twilio_verify"), func(c *config.Config) {
		c.SMS.Twilio.APIKeySID = "SK0123456789abcdef0123456789abcdef"
		c.SMS.Twilio.APIKeySecret = "secret0123"
	}), []string{"sms.twilio.auth_token"}},
	{"twilio API key half given", fn(withTwilio("twilio_messaging"), func(c *config.Config) {
		c.SMS.Twilio.AuthToken = ""
		c.SMS.Twilio.APIKeySID = "SK0123456789abcdef0123456789abcdef"
	}), []string{"sms.twilio.api_key_secret"}},
	{"twilio API key malformed", fn(withTwilio("twilio_messaging"), func(c *config.Config) {
		c.SMS.Twilio.AuthToken = ""
		c.SMS.Twilio.APIKeySID = "AC0123456789abcdef0123456789abcdef"
		c.SMS.Twilio.APIKeySecret = "sec ret"
	}), []string{"sms.twilio.api_key_sid", "sms.twilio.api_key_secret"}},
	{"twilio_verify without service", fn(withTwilio("twilio_verify"), func(c *config.Config) { c.SMS.Twilio.VerifyServiceSID = "" }),
		[]string{"sms.twilio.verify_service_sid"}},
	{"twilio_verify bad service", fn(withTwilio("twilio_verify"), func(c *config.Config) { c.SMS.Twilio.VerifyServiceSID = "MG0123456789abcdef0123456789abcdef" }),
		[]string{"sms.twilio.verify_service_sid"}},
	{"sinch empty", fn(func(c *config.Config) { c.SMS.Provider = "sinch" }), []string{"sms.sinch.key_id", "sms.sinch.key_secret"}},
	{"sinch bad base_url", fn(func(c *config.Config) {
		c.SMS.Provider = "sinch"
		c.SMS.Sinch = config.Sinch{Auth: "basic", KeyID: "k", KeySecret: "s", BaseURL: "ftp://sinch"}
	}), []string{"sms.sinch.base_url"}},
	{"sinch fine", fn(func(c *config.Config) {
		c.SMS.Provider = "sinch"
		c.SMS.Sinch.KeyID = "k"
		c.SMS.Sinch.KeySecret = "BeIukql3pTKJ8RGL5zo0DA=="
	}), nil},
	{"sinch signed needs a base64 secret", fn(func(c *config.Config) {
		c.SMS.Provider = "sinch"
		c.SMS.Sinch.KeyID = "k"
		c.SMS.Sinch.KeySecret = "not*base64"
	}),
		[]string{"sms.sinch.key_secret"}},
	{"sinch basic takes any secret", fn(func(c *config.Config) {
		c.SMS.Provider = "sinch"
		c.SMS.Sinch.Auth, c.SMS.Sinch.KeyID, c.SMS.Sinch.KeySecret = "basic", "k", "not*base64"
	}), nil},
	{"sinch unknown auth", fn(func(c *config.Config) {
		c.SMS.Provider = "sinch"
		c.SMS.Sinch.Auth, c.SMS.Sinch.KeyID, c.SMS.Sinch.KeySecret = "hmac", "k", "BeIukql3pTKJ8RGL5zo0DA=="
	}), []string{"sms.sinch.auth"}},
	{"webhook empty", fn(func(c *config.Config) { c.SMS.Provider = "webhook" }), []string{"sms.webhook.url", "sms.webhook.secret"}},
	{"webhook url with credentials", fn(func(c *config.Config) {
		c.SMS.Provider = "webhook"
		c.SMS.Webhook = config.Webhook{URL: "https://user:pw@sms.internal/send", Secret: "s"}
	}), []string{"sms.webhook.url"}},
	{"webhook fine", fn(func(c *config.Config) {
		c.SMS.Provider = "webhook"
		c.SMS.Webhook = config.Webhook{URL: "http://sms.internal:8000/send", Secret: "s"}
	}), nil},
	{"unused provider sections ignored", fn(func(c *config.Config) { c.SMS.Twilio.AccountSID = "nonsense"; c.SMS.Webhook.URL = "nonsense" }), nil},
}

// TestSecurityNoticesWithAVerifyProvider: sms.security_notices written
// true with a provider that sends only its own codes is a warning (no
// notice will come); its default, or false, or a provider that sends
// them, is none.
func TestSecurityNoticesWithAVerifyProvider(t *testing.T) {
	for _, tc := range []struct {
		name, provider, setting string
		warned                  bool
	}{
		{"verify, asked for", "twilio_verify", "  security_notices: true\n", true},
		{"verify, the default", "twilio_verify", "", false},
		{"verify, off", "twilio_verify", "  security_notices: false\n", false},
		{"messaging, asked for", "twilio_messaging", "  security_notices: true\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "server:\n  public_url: \"https://auth.example.com\"\notp:\n  allowed_countries: [\"US\"]\nsms:\n  provider: " + tc.provider + "\n" + tc.setting +
				"  twilio:\n    account_sid: \"AC0123456789abcdef0123456789abcdef\"\n    auth_token: \"token\"\n    from: \"+12015550100\"\n    verify_service_sid: \"VA0123456789abcdef0123456789abcdef\"\n" +
				"routes:\n  - name: app\n    host: app.example.com\n    upstream: http://127.0.0.1:9001\n    policy: password\n"
			cfg, err := config.Parse("gateway.yaml", []byte(src), noEnv)
			if err != nil {
				t.Fatal(err)
			}
			warnings, err := cfg.Check()
			if err != nil {
				t.Fatal(err)
			}
			warned := false
			for _, w := range warnings {
				warned = warned || w.Key == "sms.security_notices"
			}
			if warned != tc.warned {
				t.Errorf("warned %v, want %v: %v", warned, tc.warned, warnings)
			}
		})
	}
}
