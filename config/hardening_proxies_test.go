package config_test

// Tests of the checks of server.trusted_proxies that let a client name
// its own address: lists that trust every client, entries that trust a
// wide range of the internet.

import (
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestTrustedProxiesThatLetClientsNameThemselves: a list that trusts
// every client of a family, one entry alone or entries together, is
// refused; an entry wider than any CDN's proxy range that holds public
// addresses is a warning on its line; private ranges and a CDN's own
// say nothing.
func TestTrustedProxiesThatLetClientsNameThemselves(t *testing.T) {
	tests := []struct {
		name     string
		proxies  []string
		problems []string // keys refused
		warnings []string // keys warned about
	}{
		{"every IPv4 in two halves", []string{"0.0.0.0/1", "128.0.0.0/1"},
			[]string{"server.trusted_proxies"}, []string{"server.trusted_proxies.0", "server.trusted_proxies.1"}},
		{"every IPv4 in pieces", []string{"10.0.0.0/8", "0.0.0.0/5", "8.0.0.0/7", "11.0.0.0/8", "12.0.0.0/6", "16.0.0.0/4", "32.0.0.0/3", "64.0.0.0/2", "128.0.0.0/1"},
			[]string{"server.trusted_proxies"}, []string{"server.trusted_proxies.1", "server.trusted_proxies.2", "server.trusted_proxies.3", "server.trusted_proxies.4", "server.trusted_proxies.5", "server.trusted_proxies.6", "server.trusted_proxies.7", "server.trusted_proxies.8"}},
		// Refused on their own lines, as every mapped entry is
		// (TestMappedTrustedProxiesAreRefused).
		{"every mapped IPv4 in two halves", []string{"::ffff:0.0.0.0/97", "::ffff:128.0.0.0/97"},
			[]string{"server.trusted_proxies.0", "server.trusted_proxies.1"}, nil},
		{"every IPv6 in pieces", []string{"::/3", "2000::/4", "3000::/4", "4000::/2", "8000::/1"},
			[]string{"server.trusted_proxies"}, []string{"server.trusted_proxies.0", "server.trusted_proxies.1", "server.trusted_proxies.2", "server.trusted_proxies.3", "server.trusted_proxies.4"}},
		{"the IPv6 half that holds every client", []string{"::/1"}, []string{"server.trusted_proxies.0"}, nil},
		{"every IPv6 client on the internet", []string{"2000::/3"}, []string{"server.trusted_proxies.0"}, nil},
		{"every IPv6 client in two halves", []string{"2000::/4", "3000::/4"},
			[]string{"server.trusted_proxies"}, []string{"server.trusted_proxies.0", "server.trusted_proxies.1"}},
		{"every IPv6 alone, every IPv4 together", []string{"::/0", "0.0.0.0/1", "128.0.0.0/1"},
			[]string{"server.trusted_proxies.0", "server.trusted_proxies"}, []string{"server.trusted_proxies.1", "server.trusted_proxies.2"}},
		{"every IPv4 alone and in halves", []string{"0.0.0.0/1", "128.0.0.0/1", "0.0.0.0/0"},
			[]string{"server.trusted_proxies.2"}, []string{"server.trusted_proxies.0", "server.trusted_proxies.1"}},
		{"half of IPv4", []string{"0.0.0.0/1"}, nil, []string{"server.trusted_proxies.0"}},
		{"a public /8", []string{"10.0.0.0/8", "3.0.0.0/8"}, nil, []string{"server.trusted_proxies.1"}},
		{"a public /8, mapped", []string{"::ffff:3.0.0.0/104"}, []string{"server.trusted_proxies.0"}, nil},
		{"a private /8 and the public /8 beside it", []string{"10.0.0.0/7"}, nil, []string{"server.trusted_proxies.0"}},
		{"a public IPv6 /16", []string{"2a00::/16"}, nil, []string{"server.trusted_proxies.0"}},
		{"private networks", []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "fd00::/8", "fc00::/7", "::1"}, nil, nil},
		{"a CDN's ranges", []string{"104.16.0.0/13", "172.64.0.0/13", "131.0.72.0/22", "2400:cb00::/32", "2a06:98c0::/29"}, nil, nil},
		{"one address", []string{"203.0.113.7", "2001:db8::7"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig()
			cfg.Server.TrustedProxies = tt.proxies
			wantChecked(t, cfg, tt.problems, tt.warnings)
		})
	}
}

// TestTrustedProxiesProblemsHaveLines: the refusal of a list is on the
// list's line, the warning of an entry on the entry's.
func TestTrustedProxiesProblemsHaveLines(t *testing.T) {
	src := `server:
  public_url: "https://auth.example.com"
  trusted_proxies:
    - "0.0.0.0/1"
    - "128.0.0.0/1"
routes:
  - name: app
    host: app.example.com
    upstream: http://127.0.0.1:9001
    policy: password
`
	cfg := mustParse(t, src)
	warnings, err := cfg.Check()
	var got []string
	for _, p := range config.Problems(err) {
		got = append(got, p.Error())
	}
	for _, w := range warnings {
		got = append(got, w.Error())
	}
	want := []string{
		`gateway.yaml:3: server.trusted_proxies: together cover 0.0.0.0/0, every client`,
		`gateway.yaml:4: warning: server.trusted_proxies.0: "0.0.0.0/1" trusts a public range`,
		`gateway.yaml:5: warning: server.trusted_proxies.1: "128.0.0.0/1" trusts a public range`,
	}
	if len(got) != len(want) {
		t.Fatalf("got %q, want lines starting %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("got %q, want it to start %q", got[i], want[i])
		}
	}
}
