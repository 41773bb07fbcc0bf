package config

// Checks of the server section: listeners, public_url, portal_prefix,
// trusted_proxies, TLS files and timeouts; and the trusted proxies as
// prefixes, for the gateway.

import (
	"fmt"
	"net/netip"
	"path"
	"strings"
)

func (v *validator) server() {
	s := v.c.Server
	v.hostPort("server.listen", s.Listen)
	if s.AdminListen != "" {
		v.hostPort("server.admin_listen", s.AdminListen)
		if s.AdminListen == s.Listen {
			v.add("server.admin_listen", "must differ from server.listen")
		}
	}

	if s.PublicURL == "" {
		v.add("server.public_url", `required: the URL the portal is reached at, e.g. "https://auth.example.com"`)
	} else if u, ok := v.httpURL("server.public_url", s.PublicURL); ok {
		if u.Path != "" && u.Path != "/" {
			v.add("server.public_url", "must not have a path (the portal lives under server.portal_prefix)")
		}
		if u.RawQuery != "" || u.ForceQuery {
			v.add("server.public_url", "must not have a ?query")
		}
	}

	p := s.PortalPrefix
	switch {
	case !strings.HasPrefix(p, "/"):
		v.add("server.portal_prefix", "%q must start with \"/\", e.g. \"/_gatehouse\"", p)
	case p == "/":
		v.add("server.portal_prefix", "must not be \"/\": the portal needs a path of its own, e.g. \"/_gatehouse\"")
	case strings.HasSuffix(p, "/"):
		v.add("server.portal_prefix", "%q must not end with \"/\"", p)
	case path.Clean(p) != p || strings.ContainsAny(p, "?#%\\ \t"):
		v.add("server.portal_prefix", "%q must be a plain path such as \"/_gatehouse\"", p)
	}

	for i, tp := range s.TrustedProxies {
		key := fmt.Sprintf("server.trusted_proxies.%d", i)
		if ipv4, mapped := mappedProxy(tp); mapped {
			v.add(key, "%q is written as an IPv4-mapped IPv6 address, which the gateway's own checks and its web framework read differently; %s", tp, ipv4)
		} else if _, ok := parseProxy(tp); !ok {
			v.add(key, "%q is not an IP address or CIDR prefix such as \"10.0.0.0/8\"", tp)
		}
	}

	switch {
	case s.TLS.CertFile != "" && s.TLS.KeyFile == "":
		v.add("server.tls.key_file", "required when cert_file is set")
	case s.TLS.CertFile == "" && s.TLS.KeyFile != "":
		v.add("server.tls.cert_file", "required when key_file is set")
	}

	t := s.Timeouts
	v.positive("server.timeouts.read_header", t.ReadHeader)
	v.positive("server.timeouts.read", t.Read)
	v.positive("server.timeouts.write", t.Write)
	v.positive("server.timeouts.idle", t.Idle)
	v.positive("server.timeouts.shutdown", t.Shutdown)
}

// TrustedProxyPrefixes returns server.trusted_proxies as prefixes, a bare
// address becoming a /32 or /128. Entries that do not parse are left out,
// so call it on a configuration that passed Validate.
func (c *Config) TrustedProxyPrefixes() []netip.Prefix {
	prefixes := make([]netip.Prefix, 0, len(c.Server.TrustedProxies))
	for _, s := range c.Server.TrustedProxies {
		if p, ok := parseProxy(s); ok {
			prefixes = append(prefixes, p)
		}
	}
	return prefixes
}

// parseProxy parses an address or CIDR prefix into a masked prefix. An
// IPv4-mapped one (mappedProxy) is none: server() refuses it.
func parseProxy(s string) (netip.Prefix, bool) {
	p, ok := parseProxyAny(s)
	if !ok || p.Addr().Is4In6() {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

// parseProxyAny parses an address or CIDR prefix as written, unmasked,
// a bare address becoming a /32 or /128.
func parseProxyAny(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p, err == nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// mappedProxy reports whether the trusted_proxies entry s is written as
// an IPv4-mapped IPv6 address or prefix ("::ffff:10.0.0.0/104"), and
// says what to write instead, or, for one whose IPv4 form trusts every
// client ("::ffff:0.0.0.0/96"), why none will do. Such an entry is
// refused rather than read as the IPv4 range it maps: the web framework
// reads it so when it is a prefix of /96 or longer, but a bare mapped
// address as ::/32 (which holds ::1) and a shorter prefix as a range of
// IPv6, while the gateway's own check matched no IPv4 peer against any
// of them (docs/contract.md, "check-config"). Refused, no reading of it
// is trusted that the operator did not write plainly: rewriting it could
// trust more than either reader did.
func mappedProxy(s string) (string, bool) {
	p, ok := parseProxyAny(s)
	if !ok || !p.Addr().Is4In6() {
		return "", false
	}
	a := p.Addr().Unmap()
	switch {
	case !strings.Contains(s, "/"):
		return fmt.Sprintf("write it as %q", a.String()), true
	case p.Bits() < 96:
		return "it is wider than the IPv4 addresses (a prefix under /96): write the IPv4 range meant, such as \"10.0.0.0/8\"", true
	}
	ipv4 := netip.PrefixFrom(a, p.Bits()-96).Masked()
	if len(everyClientIn(ipv4)) > 0 {
		// Its IPv4 form is refused in turn (trustedProxies): not a
		// form to write.
		return "it maps every IPv4 address, so it trusts every client: anyone could forge X-Forwarded-For (their address for bans) and the forward-auth headers; list your front proxies' IPv4 addresses", true
	}
	return fmt.Sprintf("write it as %q", ipv4.String()), true
}
