package config_test

// Tests of the checks of values valid in form but unsafe: the problems
// and the warnings of Check.

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// resetBySMSAlone asks password resets for the text-message code only.
func resetBySMSAlone(c *config.Config) {
	c.Users.Backend = "redis"
	c.Users.Reset.Require = []string{"sms"}
}

// webhookSecret is a webhook secret as `openssl rand -hex 32` makes one.
const webhookSecret = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func withWebhook(url string) func(c *config.Config) {
	return func(c *config.Config) {
		c.SMS.Provider = "webhook"
		c.SMS.Webhook.URL = url
		c.SMS.Webhook.Secret = webhookSecret
		c.OTP.AllowedCountries = []string{"US"} // not what these cases are about
	}
}

// withCountries lists a country, which a paid provider's cases are not about.
func withCountries(c *config.Config) { c.OTP.AllowedCountries = []string{"US"} }

// withSinch makes the provider sinch with auth and base_url.
func withSinch(auth, baseURL string) func(c *config.Config) {
	return func(c *config.Config) {
		c.SMS.Provider = "sinch"
		c.SMS.Sinch = config.Sinch{Auth: auth, KeyID: "k", KeySecret: "BeIukql3pTKJ8RGL5zo0DA==", BaseURL: baseURL}
	}
}

// TestCheckHardening checks the values Check refuses because they break
// the security model, and those it only warns about because they go
// beyond what ASVS and NIST SP 800-63B allow or advise.
func TestCheckHardening(t *testing.T) {
	tests := []struct {
		name     string
		change   []func(c *config.Config)
		problems []string // keys refused
		warnings []string // keys warned about
	}{
		{"defaults", nil, nil, nil},

		// Refused.
		{"trusted_proxies every IPv4", fn(func(c *config.Config) { c.Server.TrustedProxies = []string{"10.0.0.0/8", "0.0.0.0/0"} }),
			[]string{"server.trusted_proxies.1"}, nil},
		{"trusted_proxies every IPv6", fn(func(c *config.Config) { c.Server.TrustedProxies = []string{"::/0"} }),
			[]string{"server.trusted_proxies.0"}, nil},
		{"trusted_proxies every mapped IPv4", fn(func(c *config.Config) { c.Server.TrustedProxies = []string{"::ffff:0.0.0.0/96"} }),
			[]string{"server.trusted_proxies.0"}, nil},
		{"trusted_proxies a private network", fn(func(c *config.Config) { c.Server.TrustedProxies = []string{"10.0.0.0/8", "fd00::/8"} }), nil, nil},
		{"identity header Origin", fn(func(c *config.Config) { c.Identity.Headers.Name = "Origin" }), []string{"identity.headers.name"}, nil},
		{"identity header Sec-*", fn(func(c *config.Config) {
			c.Identity.Headers.Groups = "Sec-Fetch-Site"
			c.Identity.Headers.Phone = "sec_gpc"
		}), []string{"identity.headers.groups", "identity.headers.phone"}, nil},
		{"identity headers of the request itself", fn(func(c *config.Config) {
			c.Identity.Headers.User = "Cookie"
			c.Identity.Headers.Email = "host"
			c.Identity.Headers.Name = "Authorization"
			c.Identity.Headers.Groups = "Content-Length"
			c.Identity.Headers.Phone = "Transfer_Encoding"
			c.Identity.Headers.Methods = "Connection"
		}), []string{"identity.headers.user", "identity.headers.email", "identity.headers.name", "identity.headers.groups", "identity.headers.phone", "identity.headers.methods"}, nil},
		{"identity header that merely contains sec", fn(func(c *config.Config) { c.Identity.Headers.Groups = "X-Sec-Groups" }), nil, nil},
		{"min_length below 8", fn(func(c *config.Config) { c.Users.PasswordPolicy.MinLength = 7 }), []string{"users.password_policy.min_length"}, nil},
		{"min_length 8", fn(func(c *config.Config) { c.Users.PasswordPolicy.MinLength = 8 }), nil, nil},
		{"cookie_domain a public suffix", fn(func(c *config.Config) {
			c.Server.PublicURL = "https://auth.example.co.uk"
			c.Session.CookieDomain = "co.uk"
		}), []string{"session.cookie_domain"}, nil},
		{"cookie_domain a top-level domain", fn(func(c *config.Config) { c.Session.CookieDomain = ".COM" }), []string{"session.cookie_domain"}, nil},
		{"cookie_domain a private public suffix", fn(func(c *config.Config) {
			c.Server.PublicURL = "https://auth.github.io"
			c.Session.CookieDomain = "github.io"
		}), []string{"session.cookie_domain"}, nil},
		{"cookie_domain a registrable domain", fn(func(c *config.Config) {
			c.Server.PublicURL = "https://auth.example.co.uk"
			c.Session.CookieDomain = "example.co.uk"
		}), nil, nil},
		{"webhook on instance metadata", fn(withWebhook("http://169.254.169.254/latest/meta-data/")), []string{"sms.webhook.url"}, nil},
		{"webhook on IPv6 link-local", fn(withWebhook("http://[fe80::a9fe:a9fe%25eth0]:8080/sms")), []string{"sms.webhook.url"}, nil},
		{"webhook on mapped link-local", fn(withWebhook("http://[::ffff:169.254.169.254]/")), []string{"sms.webhook.url"}, nil},
		{"webhook on link-local, decimal", fn(withWebhook("http://2852039166/")), []string{"sms.webhook.url"}, nil},
		{"webhook on link-local, hex", fn(withWebhook("http://0xa9fea9fe./")), []string{"sms.webhook.url"}, nil},
		{"webhook on link-local, octal parts", fn(withWebhook("http://0251.0376.0251.0376/")), []string{"sms.webhook.url"}, nil},
		{"webhook on link-local, short form", fn(withWebhook("http://169.254.43518/")), []string{"sms.webhook.url"}, nil},
		{"webhook on loopback", fn(withWebhook("http://127.0.0.1:9000/sms")), nil, nil},
		{"webhook on a name", fn(withWebhook("https://sms.example.com/hook")), nil, nil},
		{"twilio base_url on link-local", fn(withTwilio("twilio_messaging"), func(c *config.Config) {
			c.SMS.Twilio.BaseURL = "http://169.254.0.1"
			c.OTP.AllowedCountries = []string{"US"}
		}),
			[]string{"sms.twilio.base_url"}, nil},
		{"unused webhook URL", fn(func(c *config.Config) { c.SMS.Webhook.URL = "http://169.254.169.254/" }), nil, nil},
		// A credential in clear: HTTP Basic to a host not on this machine.
		{"twilio base_url plain http elsewhere", fn(withTwilio("twilio_verify"), withCountries, func(c *config.Config) {
			c.SMS.Twilio.BaseURL = "http://api.dublin.ie1.twilio.com"
		}), []string{"sms.twilio.base_url"}, nil},
		{"twilio base_url plain http, upper case", fn(withTwilio("twilio_messaging"), withCountries, func(c *config.Config) {
			c.SMS.Twilio.BaseURL = "HTTP://twilio-edge.internal:8080"
		}), []string{"sms.twilio.base_url"}, nil},
		{"sinch basic base_url plain http elsewhere", fn(withSinch("basic", "http://verification.api.sinch.com"), withCountries), []string{"sms.sinch.base_url"}, nil},
		{"twilio base_url plain http on loopback", fn(withTwilio("twilio_messaging"), withCountries, func(c *config.Config) {
			c.SMS.Twilio.BaseURL = "http://127.0.0.1:7000"
		}), nil, nil},
		{"twilio base_url plain http on localhost", fn(withTwilio("twilio_messaging"), withCountries, func(c *config.Config) {
			c.SMS.Twilio.BaseURL = "http://localhost:7000/"
		}), nil, nil},
		{"twilio base_url https", fn(withTwilio("twilio_messaging"), withCountries, func(c *config.Config) {
			c.SMS.Twilio.BaseURL = "https://api.dublin.ie1.twilio.com"
		}), nil, nil},
		{"unused twilio base_url plain http", fn(func(c *config.Config) { c.SMS.Twilio.BaseURL = "http://api.twilio.com" }), nil, nil},

		// Warned about.
		{"webhook plain http elsewhere", fn(withWebhook("http://sms.example.net/hook")), nil, []string{"sms.webhook.url"}},
		{"webhook secret short", fn(withWebhook("https://sms.example.com/hook"), func(c *config.Config) { c.SMS.Webhook.Secret = "s3cret" }),
			nil, []string{"sms.webhook.secret"}},
		{"webhook secret 31 characters", fn(withWebhook("https://sms.example.com/hook"), func(c *config.Config) { c.SMS.Webhook.Secret = webhookSecret[:31] }),
			nil, []string{"sms.webhook.secret"}},
		{"webhook secret 32 characters", fn(withWebhook("https://sms.example.com/hook"), func(c *config.Config) { c.SMS.Webhook.Secret = webhookSecret[:32] }), nil, nil},
		{"unused short webhook secret", fn(func(c *config.Config) { c.SMS.Webhook.Secret = "s3cret" }), nil, nil},
		{"webhook plain http on IPv6 loopback", fn(withWebhook("http://[::1]:9000/hook")), nil, nil},
		{"sinch signed base_url plain http elsewhere", fn(withSinch("signed", "http://verification.api.sinch.com"), withCountries), nil, []string{"sms.sinch.base_url"}},
		{"otp.ttl over 10 minutes", fn(func(c *config.Config) { c.OTP.TTL = 11 * time.Minute }), nil, []string{"otp.ttl"}},
		{"otp.ttl 10 minutes", fn(func(c *config.Config) { c.OTP.TTL = 10 * time.Minute }), nil, nil},
		{"otp.max_attempts over 10", fn(func(c *config.Config) { c.OTP.MaxAttempts = 11 }), nil, []string{"otp.max_attempts"}},
		{"regulation.max_failures over 100", fn(func(c *config.Config) { c.Regulation.MaxFailures = 101 }), nil, []string{"regulation.max_failures"}},
		{"regulation.max_failures 100", fn(func(c *config.Config) { c.Regulation.MaxFailures = 100 }), nil, nil},
		{"regulation.ban_time shorter than find_time", fn(func(c *config.Config) {
			c.Regulation.BanTime, c.Regulation.FindTime = 5*time.Minute, 10*time.Minute
		}), nil, []string{"regulation.ban_time"}},
		{"regulation.ban_time as long as find_time", fn(func(c *config.Config) {
			c.Regulation.BanTime, c.Regulation.FindTime = 10*time.Minute, 10*time.Minute
		}), nil, nil},
		{"session.remember_me shorter than absolute_timeout", fn(func(c *config.Config) {
			c.Session.RememberMe, c.Session.AbsoluteTimeout = 8*time.Hour, 12*time.Hour
		}), nil, []string{"session.remember_me"}},
		{"session.remember_me off", fn(func(c *config.Config) { c.Session.RememberMe = 0 }), nil, nil},
		{"session.max_per_account 0", fn(func(c *config.Config) { c.Session.MaxPerAccount = 0 }), []string{"session.max_per_account"}, nil},
		{"session.max_per_account past 10000", fn(func(c *config.Config) { c.Session.MaxPerAccount = 10001 }), []string{"session.max_per_account"}, nil},
		{"session.max_per_account 10000", fn(func(c *config.Config) { c.Session.MaxPerAccount = 10000 }), nil, nil},
		{"session lifetimes over 30 days", fn(func(c *config.Config) {
			c.Session.IdleTimeout = 31 * 24 * time.Hour
			c.Session.AbsoluteTimeout = 90 * 24 * time.Hour
			c.Session.RememberMe = 91 * 24 * time.Hour
		}), nil, []string{"session.idle_timeout", "session.absolute_timeout", "session.remember_me"}},
		{"reset by the SMS code alone where a route asks for two factors", fn(resetBySMSAlone, func(c *config.Config) {
			c.Admin.Enabled = false
			c.Routes[0].Policy = "two_factor"
		}),
			nil, []string{"users.reset.require"}},
		{"reset by the SMS code alone where a route asks for a passkey", fn(resetBySMSAlone, func(c *config.Config) {
			c.Admin.Enabled = false
			c.Passkeys.Enabled = true
			c.Routes[0].Policy = "passkey"
		}), nil, []string{"users.reset.require"}},
		{"reset by the SMS code alone with the console on", fn(resetBySMSAlone, func(c *config.Config) { c.Admin.Enabled = true }),
			nil, []string{"users.reset.require"}},
		{"reset by the SMS code alone where no one signs in with two factors", fn(resetBySMSAlone, func(c *config.Config) { c.Admin.Enabled = false }), nil, nil},
		{"reset by both codes where a route asks for two factors", fn(resetBySMSAlone, func(c *config.Config) {
			c.Users.Reset.Require = []string{"sms", "recovery_code"}
			c.Routes[0].Policy = "two_factor"
		}), nil, nil},
		{"reset left to the default where a route asks for two factors", fn(func(c *config.Config) {
			c.Users.Backend = "redis"
			c.Routes[0].Policy = "two_factor"
		}), nil, nil},
		{"reset by the SMS code alone, turned off", fn(resetBySMSAlone, func(c *config.Config) {
			c.Users.Reset.Enabled = false
			c.Routes[0].Policy = "two_factor"
		}), nil, nil},
		{"public_url's host a route host", fn(func(c *config.Config) { c.Routes[0].Host = "auth.example.com" }), nil, []string{"server.public_url"}},
		{"public_url's host under a wildcard route", fn(func(c *config.Config) { c.Routes[0].Host = "*.example.com" }), nil, []string{"server.public_url"}},
		{"public_url's host under the any-host route", fn(func(c *config.Config) { c.Routes[0].Host = "*" }), nil, []string{"server.public_url"}},
		{"public_url's host only denied", fn(func(c *config.Config) {
			c.Routes = append(c.Routes, config.Route{Name: "no", Host: "auth.example.com", PathPrefix: "/", Policy: "deny"})
		}), nil, nil},
		// A denied route's bypass_paths are still forwarded, anonymously:
		// that app's pages share the portal's origin.
		{"public_url's host denied but for bypass_paths", fn(func(c *config.Config) {
			c.Routes = append(c.Routes, config.Route{Name: "no", Host: "auth.example.com", PathPrefix: "/", Policy: "deny",
				Upstream: "http://127.0.0.1:9002", BypassPaths: []string{"/status"}})
		}), nil, []string{"server.public_url"}},
		{"remember_me 30 days", fn(func(c *config.Config) { c.Session.RememberMe = 720 * time.Hour }), nil, nil},
		{"argon2id 19455 KiB, 2 passes: below every OWASP minimum", fn(func(c *config.Config) {
			c.Hashing.Argon2id = config.Argon2id{MemoryKiB: 19455, Iterations: 2, Parallelism: 1}
		}), nil, []string{"hashing.argon2id.memory_kib"}},
		{"argon2id 1 MiB, 1 pass", fn(func(c *config.Config) {
			c.Hashing.Argon2id = config.Argon2id{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}
		}), nil, []string{"hashing.argon2id.memory_kib"}},
		{"argon2id 46 MiB less 1, 1 pass", fn(func(c *config.Config) {
			c.Hashing.Argon2id = config.Argon2id{MemoryKiB: 47103, Iterations: 1, Parallelism: 1}
		}), nil, []string{"hashing.argon2id.memory_kib"}},
		{"argon2id 7 MiB less 1, 5 passes", fn(func(c *config.Config) {
			c.Hashing.Argon2id = config.Argon2id{MemoryKiB: 7167, Iterations: 5, Parallelism: 1}
		}), nil, []string{"hashing.argon2id.memory_kib"}},
		{"argon2id at OWASP 46 MiB, 1 pass", fn(func(c *config.Config) {
			c.Hashing.Argon2id = config.Argon2id{MemoryKiB: 47104, Iterations: 1, Parallelism: 1}
		}), nil, nil},
		{"argon2id at OWASP 19 MiB, 2 passes", fn(func(c *config.Config) {
			c.Hashing.Argon2id = config.Argon2id{MemoryKiB: 19456, Iterations: 2, Parallelism: 1}
		}), nil, nil},
		{"argon2id at OWASP 12 MiB, 3 passes", fn(func(c *config.Config) {
			c.Hashing.Argon2id = config.Argon2id{MemoryKiB: 12288, Iterations: 3, Parallelism: 1}
		}), nil, nil},
		{"argon2id at OWASP 9 MiB, 4 passes", fn(func(c *config.Config) {
			c.Hashing.Argon2id = config.Argon2id{MemoryKiB: 9216, Iterations: 4, Parallelism: 1}
		}), nil, nil},
		{"argon2id at OWASP 7 MiB, 5 passes", fn(func(c *config.Config) {
			c.Hashing.Argon2id = config.Argon2id{MemoryKiB: 7168, Iterations: 5, Parallelism: 1}
		}), nil, nil},
		{"problems and warnings at once", fn(func(c *config.Config) {
			c.OTP.TTL = time.Hour
			c.Server.TrustedProxies = []string{"0.0.0.0/0"}
		}), []string{"server.trusted_proxies.0"}, []string{"otp.ttl"}},
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
				if !w.Warning {
					t.Errorf("warning without Warning set: %v", w)
				}
				got = append(got, w.Key)
			}
			if !equal(got, tt.warnings) {
				t.Errorf("warnings at %q, want %q\n%v", got, tt.warnings, warnings)
			}
			if verr := cfg.Validate(); (verr == nil) != (err == nil) {
				t.Errorf("Validate and Check disagree: %v / %v", verr, err)
			}
		})
	}
}

// TestCheckWarningsHaveLines checks how a warning prints: the file, the
// key's line, "warning:", the key and the reason, never failing the
// check.
func TestCheckWarningsHaveLines(t *testing.T) {
	src := `server:
  public_url: "https://auth.example.com"
otp:
  ttl: 15m
regulation:
  max_failures: 500
routes:
  - name: app
    host: app.example.com
    upstream: http://127.0.0.1:9001
    policy: password
`
	cfg, err := config.Parse("gateway.yaml", []byte(src), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	warnings, err := cfg.Check()
	if err != nil {
		t.Fatalf("warnings only, yet: %v", err)
	}
	var lines []string
	for _, w := range warnings {
		lines = append(lines, w.Error())
	}
	want := []string{
		"gateway.yaml:4: warning: otp.ttl: 15m0s is longer than 10m0s: NIST SP 800-63B §5.1.3.2 allows an SMS code at most 10 minutes",
		"gateway.yaml:6: warning: regulation.max_failures: 500 is more than 100: NIST SP 800-63B §5.2.2 limits consecutive failed attempts to 100",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestFastAuthzDeprecated: a file that still sets server.fast_authz loads,
// with a warning naming the key; one without it gets no warning.
func TestFastAuthzDeprecated(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		warn bool
	}{
		{"server:\n  public_url: \"https://auth.example.com\"\n  fast_authz: true\n", true},
		{"server:\n  public_url: \"https://auth.example.com\"\n", false},
	} {
		cfg, err := config.Parse("gateway.yaml", []byte(tc.yaml), noEnv)
		if err != nil {
			t.Fatal(err)
		}
		warnings, _ := cfg.Check()
		found := false
		for _, w := range warnings {
			if strings.Contains(w.Error(), "server.fast_authz") && strings.Contains(w.Error(), "deprecated") {
				found = true
			}
		}
		if found != tc.warn {
			t.Errorf("%q: deprecation warning %t, want %t (warnings %v)", tc.yaml, found, tc.warn, warnings)
		}
	}
}

// TestPaidProviderWithoutCountries: a paid SMS provider with no country
// list is a warning (SMS pumping), the console sender is not.
func TestPaidProviderWithoutCountries(t *testing.T) {
	for _, tc := range []struct {
		provider  string
		countries []string
		warn      bool
	}{
		{"console", nil, false},
		{"webhook", nil, true},
		{"webhook", []string{"US"}, false},
	} {
		c := config.Default()
		c.Server.PublicURL = "https://auth.example.com"
		c.SMS.Provider = tc.provider
		c.SMS.Webhook.URL, c.SMS.Webhook.Secret = "https://sms.example.com/send", "s3cret"
		c.OTP.AllowedCountries = tc.countries
		c.OTP.DefaultRegion = ""
		warnings, err := c.Check()
		if err != nil {
			t.Fatalf("%s %v: %v", tc.provider, tc.countries, err)
		}
		found := false
		for _, w := range warnings {
			found = found || strings.Contains(w.Error(), "otp.allowed_countries")
		}
		if found != tc.warn {
			t.Errorf("%s %v: warning %t, want %t (%v)", tc.provider, tc.countries, found, tc.warn, warnings)
		}
	}
}
