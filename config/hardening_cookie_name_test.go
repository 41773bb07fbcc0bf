package config_test

// Tests of the warning of a session cookie name a sibling host can set.

import (
	"testing"
)

// TestTossableCookieNameIsWarnedOf: with session.secure on, the gateway
// names a host-only session cookie __Host-… (which no other host of the
// site can set) unless the configured name starts with "__". A name of
// __Secure-… without cookie_domain, or of "__" and no prefix, is a
// cookie every other host of the site can set for the whole site (cookie
// tossing: a visitor signed into the sibling's account, or a login
// CSRF), so check-config warns of it on session.cookie_name. Before, it
// was taken without a word, a configuration weaker than the default.
func TestTossableCookieNameIsWarnedOf(t *testing.T) {
	tests := []struct {
		name, cookie, domain string
		secure               bool
		warnings             []string
	}{
		{"__Secure- host-only", "__Secure-gh", "", true, []string{"session.cookie_name"}},
		{"__ without a prefix", "__gh", "", true, []string{"session.cookie_name"}},
		{"__ without a prefix, shared", "__gh", "example.com", true, []string{"session.cookie_name"}},
		{"the default: __Host- added", "gatehouse_session", "", true, nil},
		{"__Host- written", "__Host-gh", "", true, nil},
		{"__Secure- shared", "__Secure-gh", "example.com", true, nil},
		{"shared: __Secure- added", "gatehouse_session", "example.com", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			cfg.Session.CookieName, cfg.Session.CookieDomain, cfg.Session.Secure = tt.cookie, tt.domain, tt.secure
			wantChecked(t, cfg, nil, tt.warnings)
		})
	}
}
