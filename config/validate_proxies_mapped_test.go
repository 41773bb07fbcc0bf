package config_test

import (
	"strings"
	"testing"
)

// TestMappedTrustedProxiesAreRefused: an entry of server.trusted_proxies
// written as an IPv4-mapped IPv6 address or prefix is read two ways: the
// web framework took "::ffff:10.0.0.0/104" as 10.0.0.0/8 while the
// gateway's own check (forward-auth's peer, X-Request-Id, X-Forwarded-For)
// matched no IPv4 peer against it, so forward-auth from that proxy was
// 401; and the framework took a bare "::ffff:10.0.0.1" as ::/32, which
// holds ::1, and not 10.0.0.1 at all. Such an entry is refused now, on
// its line, with the IPv4 form to write instead (docs/contract.md,
// "check-config"); the plain forms are taken as before.
func TestMappedTrustedProxiesAreRefused(t *testing.T) {
	tests := []struct {
		name    string
		proxies []string
		refused []string
		suggest string // in the problem's text
		never   string // not in the problem's text
	}{
		{"a mapped private /8", []string{"10.0.0.0/8", "::ffff:10.0.0.0/104"}, []string{"server.trusted_proxies.1"}, `"10.0.0.0/8"`, ""},
		{"a mapped address", []string{"::ffff:10.0.0.1"}, []string{"server.trusted_proxies.0"}, `"10.0.0.1"`, ""},
		{"a mapped address in capitals", []string{"::FFFF:192.168.1.2/128"}, []string{"server.trusted_proxies.0"}, `"192.168.1.2/32"`, ""},
		{"a mapped address, hex", []string{"::ffff:a00:1"}, []string{"server.trusted_proxies.0"}, `"10.0.0.1"`, ""},
		{"wider than the mapped block", []string{"::ffff:10.0.0.0/8"}, []string{"server.trusted_proxies.0"}, "IPv4", ""},
		// Its IPv4 form, 0.0.0.0/0, trusts every client and is refused
		// in turn: the problem must not tell the operator to write it.
		{"the whole mapped block", []string{"::ffff:0.0.0.0/96"}, []string{"server.trusted_proxies.0"}, "every client", `"0.0.0.0/0"`},
		{"the plain forms", []string{"10.0.0.0/8", "10.0.0.1", "fd00::/8", "::1", "2001:db8::7"}, nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			cfg.Server.TrustedProxies = tt.proxies
			wantChecked(t, cfg, tt.refused, nil)
			_, err := cfg.Check()
			if tt.suggest != "" && (err == nil || !strings.Contains(err.Error(), tt.suggest)) {
				t.Errorf("the problem does not say %s: %v", tt.suggest, err)
			}
			if tt.never != "" && err != nil && strings.Contains(err.Error(), tt.never) {
				t.Errorf("the problem says %s: %v", tt.never, err)
			}
		})
	}
}
