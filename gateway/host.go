package gateway

import (
	"net/netip"
	"strings"
)

// validHost reports whether h, a Host header or the host a front door
// describes, is host[:port] as a connection could have it: a host name
// (letters, digits, '-', '.', '_'), an IPv4 address or a bracketed IPv6
// address without a zone, then at most a port of digits up to 65535
// (docs/contract.md, "A host that is no host name"). net/http (and nginx)
// take RFC 3986's sub-delimiters in a Host: "evil.example.net,x.example.org"
// would match a route of "*.example.org" and reach its app, whose
// framework reads the first item of a comma list as the host. It
// allocates nothing.
func validHost(h string) bool {
	host, port := h, ""
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return false
		}
		a, err := netip.ParseAddr(h[1:end])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return false
		}
		host, port = "", h[end+1:]
	} else if i := strings.IndexByte(h, ':'); i >= 0 {
		host, port = h[:i], h[i:]
		if host == "" {
			return false
		}
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; !isHostNameByte(c) {
			return false
		}
	}
	if port == "" {
		return true
	}
	if port[0] != ':' || len(port) > 6 {
		return false
	}
	n := 0
	for i := 1; i < len(port); i++ {
		c := port[i]
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n <= 65535
}

// isHostNameByte reports a byte a host name may hold: a letter, a digit,
// '-', '.' or '_' (which some internal names carry).
func isHostNameByte(c byte) bool {
	return 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_'
}
