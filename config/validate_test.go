package config_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
	"gopkg.in/yaml.v3"
)

// validConfig is the smallest configuration that passes Validate.
func validConfig() *config.Config {
	c := config.Default()
	c.Server.PublicURL = "https://auth.example.com"
	c.Routes = []config.Route{{
		Name: "app", Host: "app.example.com", PathPrefix: "/",
		Upstream: "http://127.0.0.1:9001", Policy: "password",
	}}
	return c
}

func withRedis(c *config.Config) { c.Store.Driver = "redis" }

func withTwilio(provider string) func(c *config.Config) {
	return func(c *config.Config) {
		c.SMS.Provider = provider
		c.SMS.Twilio.AccountSID = "AC0123456789abcdef0123456789ABCDEF"
		c.SMS.Twilio.AuthToken = "token"
		c.SMS.Twilio.From = "+12015550100"
		c.SMS.Twilio.VerifyServiceSID = "VA0123456789abcdef0123456789abcdef"
	}
}

func addRoute(r config.Route) func(c *config.Config) {
	return func(c *config.Config) { c.Routes = append(c.Routes, r) }
}

func TestValidateRules(t *testing.T) {
	tests := []struct {
		name   string
		change []func(c *config.Config)
		want   []string // keys of the expected problems; none for a valid change
	}{
		// admin
		{"sms prices", fn(func(c *config.Config) { c.Admin.SMSPrices = map[string]float64{"US": 0.0079, "GB": 0, "default": 0.05} }), nil},
		{"sms price negative", fn(func(c *config.Config) { c.Admin.SMSPrices = map[string]float64{"US": -1} }), []string{"admin.sms_prices.US"}},
		{"sms price country not ISO", fn(func(c *config.Config) { c.Admin.SMSPrices = map[string]float64{"UK": 0.04, "usa": 1} }), []string{"admin.sms_prices.UK", "admin.sms_prices.usa"}},
		{"sms currency", fn(func(c *config.Config) { c.Admin.SMSCurrency = "dollars" }), []string{"admin.sms_currency"}},
		// server
		{"listen empty", fn(func(c *config.Config) { c.Server.Listen = "" }), []string{"server.listen"}},
		{"listen without port", fn(func(c *config.Config) { c.Server.Listen = "8080" }), []string{"server.listen"}},
		{"listen named port", fn(func(c *config.Config) { c.Server.Listen = ":http" }), []string{"server.listen"}},
		{"listen port out of range", fn(func(c *config.Config) { c.Server.Listen = ":65536" }), []string{"server.listen"}},
		{"listen host and port", fn(func(c *config.Config) { c.Server.Listen = "[::1]:8080" }), nil},
		{"admin_listen bad", fn(func(c *config.Config) { c.Server.AdminListen = "localhost" }), []string{"server.admin_listen"}},
		{"admin_listen disabled", fn(func(c *config.Config) { c.Server.AdminListen = "" }), nil},
		{"admin_listen same as listen", fn(func(c *config.Config) { c.Server.AdminListen = c.Server.Listen }), []string{"server.admin_listen"}},
		{"public_url missing", fn(func(c *config.Config) { c.Server.PublicURL = "" }), []string{"server.public_url"}},
		{"public_url without scheme", fn(func(c *config.Config) { c.Server.PublicURL = "auth.example.com" }), []string{"server.public_url"}},
		{"public_url ftp", fn(func(c *config.Config) { c.Server.PublicURL = "ftp://auth.example.com" }), []string{"server.public_url"}},
		{"public_url without host", fn(func(c *config.Config) { c.Server.PublicURL = "https:///x" }), []string{"server.public_url"}},
		{"public_url with path", fn(func(c *config.Config) { c.Server.PublicURL = "https://auth.example.com/portal" }), []string{"server.public_url"}},
		{"public_url with query", fn(func(c *config.Config) { c.Server.PublicURL = "https://auth.example.com/?a=b" }), []string{"server.public_url"}},
		{"public_url with fragment", fn(func(c *config.Config) { c.Server.PublicURL = "https://auth.example.com/#top" }), []string{"server.public_url"}},
		{"public_url with slash and port", fn(func(c *config.Config) { c.Server.PublicURL = "https://auth.example.com:8443/" }), nil},
		{"portal_prefix relative", fn(func(c *config.Config) { c.Server.PortalPrefix = "_gatehouse" }), []string{"server.portal_prefix"}},
		{"portal_prefix root", fn(func(c *config.Config) { c.Server.PortalPrefix = "/" }), []string{"server.portal_prefix"}},
		{"portal_prefix trailing slash", fn(func(c *config.Config) { c.Server.PortalPrefix = "/_gatehouse/" }), []string{"server.portal_prefix"}},
		{"portal_prefix unclean", fn(func(c *config.Config) { c.Server.PortalPrefix = "/a//b" }), []string{"server.portal_prefix"}},
		{"portal_prefix nested", fn(func(c *config.Config) { c.Server.PortalPrefix = "/auth/portal" }), nil},
		{"trusted_proxies", fn(func(c *config.Config) {
			c.Server.TrustedProxies = []string{"10.0.0.0/8", "192.168.1.7", "::1", "fd00::/8", "bogus", "10.0.0.0/33"}
		}), []string{"server.trusted_proxies.4", "server.trusted_proxies.5"}},
		{"trusted_proxies empty", fn(func(c *config.Config) { c.Server.TrustedProxies = nil }), nil},
		{"tls cert only", fn(func(c *config.Config) { c.Server.TLS.CertFile = "c.pem" }), []string{"server.tls.key_file"}},
		{"tls key only", fn(func(c *config.Config) { c.Server.TLS.KeyFile = "k.pem" }), []string{"server.tls.cert_file"}},
		{"tls both", fn(func(c *config.Config) { c.Server.TLS = config.TLS{CertFile: "c.pem", KeyFile: "k.pem"} }), nil},
		{"timeouts", fn(func(c *config.Config) {
			c.Server.Timeouts = config.Timeouts{ReadHeader: 0, Read: -time.Second, Write: 0, Idle: 0, Shutdown: 0}
		}), []string{"server.timeouts.read_header", "server.timeouts.read", "server.timeouts.write", "server.timeouts.idle", "server.timeouts.shutdown"}},

		// store
		{"driver unknown", fn(func(c *config.Config) { c.Store.Driver = "mongo" }), []string{"store.driver"}},
		{"driver empty", fn(func(c *config.Config) { c.Store.Driver = "" }), []string{"store.driver"}},
		{"redis fine", fn(withRedis), nil},
		{"redis without addrs", fn(withRedis, func(c *config.Config) { c.Store.Redis.Addrs = nil }), []string{"store.redis.addrs"}},
		{"redis bad addr", fn(withRedis, func(c *config.Config) { c.Store.Redis.Addrs = []string{"redis:6379", "redis"} }), []string{"store.redis.addrs.1"}},
		{"redis timeouts", fn(withRedis, func(c *config.Config) { c.Store.Redis.OpTimeout = 0; c.Store.Redis.DialTimeout = 0 }),
			[]string{"store.redis.dial_timeout", "store.redis.op_timeout"}},
		{"redis negative db", fn(withRedis, func(c *config.Config) { c.Store.Redis.DB = -1 }), []string{"store.redis.db"}},
		{"redis client cache bounds", fn(withRedis, func(c *config.Config) {
			c.Store.Redis.ClientCache.MaxEntries = 0
			c.Store.Redis.ClientCache.MaxAge = -time.Second
		}), []string{"store.redis.client_cache.max_entries", "store.redis.client_cache.max_age"}},
		{"redis client cache off ignores bounds", fn(withRedis, func(c *config.Config) {
			c.Store.Redis.ClientCache = config.ClientCache{}
		}), nil},
		{"redis cluster db", fn(withRedis, func(c *config.Config) {
			c.Store.Redis.Addrs = []string{"a:6379", "b:6379"}
			c.Store.Redis.DB = 2
		}), []string{"store.redis.db"}},
		{"redis sentinel db", fn(withRedis, func(c *config.Config) {
			c.Store.Redis.Addrs = []string{"a:26379", "b:26379"}
			c.Store.Redis.MasterName = "mymaster"
			c.Store.Redis.DB = 2
		}), nil},
		{"redis cluster hash tag in key_prefix", fn(withRedis, func(c *config.Config) {
			c.Store.Redis.Addrs = []string{"a:6379", "b:6379"}
			c.Store.KeyPrefix = "{gatehouse}:"
		}), []string{"store.key_prefix"}},
		{"redis standalone hash tag in key_prefix", fn(withRedis, func(c *config.Config) { c.Store.KeyPrefix = "{gatehouse}:" }), nil},
		{"redis section unused by memory", fn(func(c *config.Config) { c.Store.Redis.Addrs = nil; c.Store.Redis.OpTimeout = 0 }), nil},

		// session
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

		// users
		{"backend unknown", fn(func(c *config.Config) { c.Users.Backend = "ldap" }), []string{"users.backend"}},
		{"file backend without file", fn(func(c *config.Config) { c.Users.File = "" }), []string{"users.file"}},
		{"redis backend on memory store (demo)", fn(func(c *config.Config) { c.Users.Backend = "redis" }), nil},
		{"redis backend on redis store", fn(withRedis, func(c *config.Config) { c.Users.Backend = "redis"; c.Users.File = "" }), nil},
		{"signup with file backend", fn(func(c *config.Config) { c.Users.Signup.Enabled = true }), []string{"users.signup.enabled"}},
		{"reset without the sms code", fn(func(c *config.Config) { c.Users.Reset.Require = []string{"recovery_code"} }), []string{"users.reset.require"}},
		{"reset with an unknown proof", fn(func(c *config.Config) { c.Users.Reset.Require = []string{"sms", "email"} }), []string{"users.reset.require"}},
		{"reset proof twice", fn(func(c *config.Config) { c.Users.Reset.Require = []string{"sms", "sms"} }), []string{"users.reset.require"}},
		{"signup with redis backend", fn(withRedis, func(c *config.Config) { c.Users.Backend = "redis"; c.Users.Signup.Enabled = true }), nil},
		{"min_length zero", fn(func(c *config.Config) { c.Users.PasswordPolicy.MinLength = 0 }), []string{"users.password_policy.min_length"}},
		{"max below min", fn(func(c *config.Config) { c.Users.PasswordPolicy = config.PasswordPolicy{MinLength: 10, MaxLength: 9} }),
			[]string{"users.password_policy.max_length"}},
		{"max too large", fn(func(c *config.Config) { c.Users.PasswordPolicy.MaxLength = 1025 }), []string{"users.password_policy.max_length"}},
		{"min equal max at the limit", fn(func(c *config.Config) {
			c.Users.PasswordPolicy = config.PasswordPolicy{MinLength: 1024, MaxLength: 1024}
		}), nil},

		// hashing
		{"argon2 memory below 8 × parallelism", fn(func(c *config.Config) {
			c.Hashing.Argon2id = config.Argon2id{MemoryKiB: 15, Iterations: 1, Parallelism: 2}
		}),
			[]string{"hashing.argon2id.memory_kib"}},
		{"argon2 memory at 8 × parallelism", fn(func(c *config.Config) {
			c.Hashing.Argon2id = config.Argon2id{MemoryKiB: 16, Iterations: 1, Parallelism: 2}
		}), nil},
		{"argon2 iterations zero", fn(func(c *config.Config) { c.Hashing.Argon2id.Iterations = 0 }), []string{"hashing.argon2id.iterations"}},
		{"argon2 parallelism zero", fn(func(c *config.Config) { c.Hashing.Argon2id.Parallelism = 0 }), []string{"hashing.argon2id.parallelism"}},
		{"max_concurrent zero", fn(func(c *config.Config) { c.Hashing.MaxConcurrent = 0 }), []string{"hashing.max_concurrent"}},

		// otp
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

		// sms
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

		// regulation
		{"regulation", fn(func(c *config.Config) { c.Regulation = config.Regulation{} }),
			[]string{"regulation.max_failures", "regulation.find_time", "regulation.ban_time", "regulation.max_account_failures", "regulation.account_lock_time"}},
		{"max_account_failures over 100", fn(func(c *config.Config) { c.Regulation.MaxAccountFailures = 101 }), []string{"regulation.max_account_failures"}},
		{"max_account_failures at 100", fn(func(c *config.Config) { c.Regulation.MaxAccountFailures = 100 }), nil},
		{"max_account_failures negative", fn(func(c *config.Config) { c.Regulation.MaxAccountFailures = -1 }), []string{"regulation.max_account_failures"}},
		{"account_lock_time shorter than find_time", fn(func(c *config.Config) { c.Regulation.AccountLockTime = 5 * time.Minute }), []string{"regulation.account_lock_time"}},

		// identity
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

		// portal
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

		// routes
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
		// totp
		{"totp enabled without key", fn(func(c *config.Config) { c.TOTP.Enabled = true }), []string{"totp.secret_key_file"}},
		{"totp key not base64", fn(func(c *config.Config) { c.TOTP = config.TOTP{Enabled: true, SecretKey: "not base64!"} }), []string{"totp.secret_key"}},
		{"totp key too short", fn(func(c *config.Config) { c.TOTP = config.TOTP{Enabled: true, SecretKey: "c2hvcnQ="} }), []string{"totp.secret_key"}},
		{"totp issuer with colon", fn(func(c *config.Config) { c.TOTP.Issuer = "Acme: CRM" }), []string{"totp.issuer"}},
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
		{"route upstream without scheme", fn(func(c *config.Config) { c.Routes[0].Upstream = "127.0.0.1:9001" }), []string{"routes.0.upstream"}},
		{"route upstream without host", fn(func(c *config.Config) { c.Routes[0].Upstream = "http://" }), []string{"routes.0.upstream"}},
		{"route upstream with path", fn(func(c *config.Config) { c.Routes[0].Upstream = "https://backend:8443/app/" }), nil},
		{"route policy missing", fn(func(c *config.Config) { c.Routes[0].Policy = "" }), []string{"routes.0.policy"}},
		{"route policy unknown", fn(func(c *config.Config) { c.Routes[0].Policy = "2fa" }), []string{"routes.0.policy"}},
		{"route cache allow", fn(func(c *config.Config) { c.Routes[0].Cache = config.RouteCacheAllow }), nil},
		{"route cache no-store", fn(func(c *config.Config) { c.Routes[0].Cache = config.RouteCacheNoStore }), nil},
		{"route cache unknown", fn(func(c *config.Config) { c.Routes[0].Cache = "public" }), []string{"routes.0.cache"}},
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
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			for _, change := range tt.change {
				change(cfg)
			}
			err := cfg.Validate()
			if got := keys(err); !equal(got, tt.want) {
				t.Fatalf("problems at %q, want %q\n%v", got, tt.want, err)
			}
		})
	}
}

// totpKey is a valid totp.secret_key (32 bytes).
const totpKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func fn(fs ...func(c *config.Config)) []func(c *config.Config) { return fs }

// TestValidateReportsEverythingWithLines checks the output check-config
// prints: every problem at once, in file order, located by the key's line
// or, for a key the file leaves out, by its nearest parent's.
func TestValidateReportsEverythingWithLines(t *testing.T) {
	src := `server:
  public_url: "ftp://auth.example.com"
session:
  same_site: Lax
  idle_timeout: 13h
routes:
  - name: app
    host: app.example.com
    upstream: http://127.0.0.1:9001
    policy: magic
  - name: other
    host: other.example.com
    policy: password
`
	cfg, err := config.Parse("deploy/gateway.yaml", []byte(src), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`deploy/gateway.yaml:2: server.public_url: must be an absolute http:// or https:// URL`,
		`deploy/gateway.yaml:3: session.absolute_timeout: must be at least idle_timeout (13h0m0s), it is 12h0m0s`,
		`deploy/gateway.yaml:4: session.same_site: must be one of lax, strict, none, not "Lax"`,
		`deploy/gateway.yaml:10: routes.0.policy: must be one of bypass, password, sms, two_factor, passkey, deny, not "magic"`,
		`deploy/gateway.yaml:11: routes.1.upstream: required unless policy is deny, e.g. "http://127.0.0.1:9001"`,
	}, "\n")
	if err := cfg.Validate(); err == nil || err.Error() != want {
		t.Fatalf("Validate:\n%v\nwant:\n%s", err, want)
	}
}

func TestValidateWithoutFile(t *testing.T) {
	cfg := config.Default()
	cfg.Server.PublicURL = ""
	err := cfg.Validate()
	want := `config: server.public_url: required: the URL the portal is reached at, e.g. "https://auth.example.com"`
	if err == nil || err.Error() != want {
		t.Fatalf("Validate = %v, want %s", err, want)
	}
}

// TestValidateChangesNothing checks that Validate is pure: it leaves the
// configuration as it was, even a broken one.
func TestValidateChangesNothing(t *testing.T) {
	cfg := mustParse(t, fullYAML)
	cfg.Routes[1].PathPrefix = ""
	cfg.Session.SameSite = "LAX"
	before, _ := yaml.Marshal(cfg)
	_ = cfg.Validate()
	_ = cfg.Validate()
	after, _ := yaml.Marshal(cfg)
	if string(before) != string(after) {
		t.Fatalf("Validate changed the configuration:\n%s\n---\n%s", before, after)
	}
}

func TestValidateNeverShowsSecrets(t *testing.T) {
	cfg := validConfig()
	cfg.SMS.Provider = "twilio_messaging"
	cfg.SMS.Twilio.AccountSID = "ACsecret-sid-leak"
	cfg.SMS.Twilio.AuthToken = "token-leak"
	cfg.SMS.Twilio.BaseURL = "https://user:basepw-leak@api.example.com/#frag"
	cfg.Store.Driver = "redis"
	cfg.Store.Redis.Password = "redispw-leak"
	cfg.Store.Redis.Addrs = nil
	cfg.Routes[0].Upstream = "ftp://u:upstream-leak@backend"
	cfg.TOTP = config.TOTP{Enabled: true, SecretKey: "totp-key-leak"}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("Validate accepted a broken configuration")
	}
	if strings.Contains(err.Error(), "leak") {
		t.Fatalf("a message shows a secret:\n%v", err)
	}
}

func TestTrustedProxyPrefixes(t *testing.T) {
	cfg := config.Default()
	cfg.Server.TrustedProxies = []string{"10.1.2.3/8", "192.168.1.7", "::1", "fd00::/8"}
	want := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("192.168.1.7/32"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("fd00::/8"),
	}
	if got := cfg.TrustedProxyPrefixes(); !equal(got, want) {
		t.Fatalf("TrustedProxyPrefixes = %v, want %v", got, want)
	}
	if got := config.Default().TrustedProxyPrefixes(); !got[0].Contains(netip.MustParseAddr("127.0.0.1")) || !got[1].Contains(netip.IPv6Loopback()) {
		t.Fatalf("default prefixes %v do not cover loopback", got)
	}
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
