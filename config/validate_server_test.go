package config_test

// Validate's cases for the server section, and the trusted proxies as
// prefixes.

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// serverRules are the cases of TestValidateRules for the server section.
var serverRules = []ruleCase{
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
