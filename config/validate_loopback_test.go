package config_test

// Tests of what counts as this machine: for a browser (public_url,
// logo_url), and for the gateway's HTTP client (the SMS provider URLs).

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestLoopbackAsBrowsersAndTheGatewayReachIt: an http:// URL is judged as
// what reaches it reads its host. A browser takes "127.1", "localhost."
// and the names under localhost for this machine (W3C Secure Contexts),
// not "::ffff:127.0.0.1"; the gateway's HTTP client (Go) asks DNS for the
// names under localhost, "localhost." and "127.1", whose answer may be any
// host on the network, so a provider's credentials sent there in clear
// are refused, its phone numbers and codes warned of.
func TestLoopbackAsBrowsersAndTheGatewayReachIt(t *testing.T) {
	publicURL := func(u string) func(c *config.Config) {
		return func(c *config.Config) { c.Server.PublicURL = u }
	}
	twilioAt := func(u string) []func(c *config.Config) {
		return fn(withTwilio("twilio_messaging"), withCountries, func(c *config.Config) { c.SMS.Twilio.BaseURL = u })
	}
	tests := []struct {
		name     string
		change   []func(c *config.Config)
		problems []string
		warnings []string
	}{
		// A browser: Secure cookies over http only on this machine.
		{"public_url on 127.1", fn(publicURL("http://127.1:8080")), nil, nil},
		{"public_url on 127.0.0.2", fn(publicURL("http://127.0.0.2:8080")), nil, nil},
		{"public_url on localhost.", fn(publicURL("http://localhost.:8080")), nil, nil},
		{"public_url on LOCALHOST", fn(publicURL("http://LOCALHOST:8080")), nil, nil},
		{"public_url on a name under localhost", fn(publicURL("http://auth.localhost:8080")), nil, nil},
		{"public_url on ::1", fn(publicURL("http://[::1]:8080")), nil, nil},
		{"public_url on mapped 127.0.0.1", fn(publicURL("http://[::ffff:127.0.0.1]:8080")), []string{"session.secure"}, nil},
		{"public_url on a name ending in localhost", fn(publicURL("http://evillocalhost:8080")), []string{"session.secure"}, nil},
		{"logo_url on 127.1", fn(func(c *config.Config) { c.Portal.LogoURL = "http://127.1:9000/logo.svg" }), nil, nil},
		{"logo_url elsewhere", fn(func(c *config.Config) { c.Portal.LogoURL = "http://cdn.example.com/logo.svg" }), []string{"portal.logo_url"}, nil},

		// The gateway's HTTP client: only what it reaches without DNS.
		{"twilio on a name under localhost", twilioAt("http://twilio.localhost:7000"), []string{"sms.twilio.base_url"}, nil},
		{"twilio on localhost.", twilioAt("http://localhost.:7000"), []string{"sms.twilio.base_url"}, nil},
		{"twilio on 127.1", twilioAt("http://127.1:7000"), []string{"sms.twilio.base_url"}, nil},
		{"twilio on LOCALHOST", twilioAt("http://LOCALHOST:7000"), nil, nil},
		{"twilio on 127.0.0.2", twilioAt("http://127.0.0.2:7000"), nil, nil},
		{"twilio on mapped 127.0.0.1", twilioAt("http://[::ffff:127.0.0.1]:7000"), nil, nil},
		{"webhook on a name under localhost", fn(withWebhook("http://sms.localhost:9000/hook")), nil, []string{"sms.webhook.url"}},
		{"webhook on localhost", fn(withWebhook("http://localhost:9000/hook")), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			for _, change := range tt.change {
				change(cfg)
			}
			wantChecked(t, cfg, tt.problems, tt.warnings)
		})
	}
}
