package config_test

// Tests of Default: every documented default, a fresh value each call,
// and defaults that validate alone.

import (
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestDefault pins every default listed in docs/contract.md.
func TestDefault(t *testing.T) {
	cfg := config.Default()
	tests := []struct {
		key  string
		want any
	}{
		{"server.listen", ":8080"},
		{"server.public_url", "https://auth.example.com"},
		{"server.portal_prefix", "/_gatehouse"},
		{"server.admin_listen", "127.0.0.1:9090"},
		{"server.trusted_proxies", []string{"127.0.0.1/32", "::1/128"}},
		{"server.tls.cert_file", ""},
		{"server.tls.key_file", ""},
		{"server.timeouts.read_header", 10 * time.Second},
		{"server.timeouts.read", 30 * time.Second},
		{"server.timeouts.write", 60 * time.Second},
		{"server.timeouts.idle", 120 * time.Second},
		{"server.timeouts.shutdown", 20 * time.Second},
		{"store.driver", "memory"},
		{"store.key_prefix", "gatehouse:"},
		{"store.redis.addrs", []string{"127.0.0.1:6379"}},
		{"store.redis.master_name", ""},
		{"store.redis.username", ""},
		{"store.redis.password", ""},
		{"store.redis.db", 0},
		{"store.redis.tls", false},
		{"store.redis.dial_timeout", 2 * time.Second},
		{"store.redis.op_timeout", 500 * time.Millisecond},
		{"store.redis.client_cache.enabled", true},
		{"store.redis.client_cache.max_entries", 10000},
		{"store.redis.client_cache.max_age", 10 * time.Second},
		{"session.cookie_name", "gatehouse_session"},
		{"session.cookie_domain", ""},
		{"session.secure", true},
		{"session.same_site", "lax"},
		{"session.idle_timeout", 30 * time.Minute},
		{"session.absolute_timeout", 12 * time.Hour},
		{"session.remember_me", 720 * time.Hour},
		{"users.backend", "file"},
		{"users.file", "users.yaml"},
		{"users.signup.enabled", false},
		{"users.password_policy.min_length", 8},
		{"users.password_policy.max_length", 128},
		{"hashing.argon2id.memory_kib", uint32(65536)},
		{"hashing.argon2id.iterations", uint32(3)},
		{"hashing.argon2id.parallelism", uint8(2)},
		{"hashing.max_concurrent", 4},
		{"otp.length", 6},
		{"otp.ttl", 5 * time.Minute},
		{"otp.max_attempts", 5},
		{"otp.resend_cooldown", 30 * time.Second},
		{"otp.max_sends.count", 5},
		{"otp.max_sends.window", time.Hour},
		{"otp.allowed_countries", []string(nil)},
		{"otp.message", "Your {{.App}} code is {{.Code}}. It expires in {{.Minutes}} minutes."},
		{"sms.provider", "console"},
		{"sms.timeout", 10 * time.Second},
		{"sms.console.file", ""},
		{"sms.twilio.account_sid", ""},
		{"sms.twilio.base_url", ""},
		{"sms.sinch.base_url", "https://verification.api.sinch.com"},
		{"sms.webhook.url", ""},
		{"regulation.max_failures", 5},
		{"regulation.find_time", 10 * time.Minute},
		{"regulation.ban_time", 15 * time.Minute},
		{"regulation.max_account_failures", 100},
		{"regulation.account_lock_time", 24 * time.Hour},
		{"audit.retain.events", 100_000},
		{"audit.retain.attempt_events", 100_000},
		{"audit.retain.max_age", 90 * 24 * time.Hour},
		{"audit.repeat_window", time.Minute},
		{"audit.account_share.events", 100},
		{"audit.account_share.window", time.Hour},
		{"identity.signing_key_file", "gatehouse.key"},
		{"identity.previous_key_files", []string(nil)},
		{"identity.assertion_ttl", 60 * time.Second},
		{"identity.headers.user", "X-Auth-User"},
		{"identity.headers.email", "X-Auth-Email"},
		{"identity.headers.name", "X-Auth-Name"},
		{"identity.headers.groups", "X-Auth-Groups"},
		{"identity.headers.phone", ""},
		{"identity.headers.methods", "X-Auth-Methods"},
		{"identity.headers.assertion", "X-Auth-Assertion"},
		{"portal.app_name", "Gatehouse"},
		{"portal.logo_url", ""},
		{"portal.logo_file", ""},
		{"portal.primary_color", "#0b5cad"},
		{"portal.messages_file", ""},
		{"routes", []config.Route(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := field(t, cfg, tt.key); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s = %#v, want %#v", tt.key, got, tt.want)
			}
		})
	}
}

// TestDefaultIsFresh checks that callers can change one Default without
// changing the next.
func TestDefaultIsFresh(t *testing.T) {
	a := config.Default()
	a.Server.TrustedProxies[0] = "10.0.0.0/8"
	a.Store.Redis.Addrs[0] = "redis:6379"
	b := config.Default()
	if b.Server.TrustedProxies[0] != "127.0.0.1/32" || b.Store.Redis.Addrs[0] != "127.0.0.1:6379" {
		t.Fatalf("Default shares slices between calls: %v %v", b.Server.TrustedProxies, b.Store.Redis.Addrs)
	}
}

// TestDefaultValidates checks that the defaults alone are a working
// configuration.
func TestDefaultValidates(t *testing.T) {
	if err := config.Default().Validate(); err != nil {
		t.Fatalf("Validate(Default()): %v", err)
	}
}
