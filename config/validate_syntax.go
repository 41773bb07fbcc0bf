package config

// The syntax of the values the checks share: tokens (header and cookie
// names, methods), host names, letters and digits, loopback hosts (as a
// browser and as the gateway's HTTP client reach them) and base64.

import (
	"encoding/base64"
	"net/netip"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/dnsname"
)

// isToken reports whether s is an RFC 9110 token, the syntax of header
// names, cookie names and methods.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !isTokenChar(c) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isHostname reports whether s (lower-case) is a DNS name or IPv4 address:
// dot-separated labels of letters, digits, "-" and "_", each 1 to 63
// characters and not starting or ending with "-".
func isHostname(s string) bool { return dnsname.Valid(s, 253, true) }

func isAlphanumeric(s string) bool {
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func isASCIILetters(s string) bool {
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// browserLoopback reports whether a browser takes host, a URL's host, for
// this machine, where it accepts Secure cookies over plain http (W3C
// Secure Contexts, "potentially trustworthy origin"): "localhost" and the
// names under it, a trailing dot or not, in any case; an IPv4 address in
// 127.0.0.0/8 in any form the URL standard reads ("127.1", "0x7f.1"); and
// ::1. An IPv4-mapped address ("::ffff:127.0.0.1") is an IPv6 host there,
// outside ::1/128, so it is not one.
func browserLoopback(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if a, err := netip.ParseAddr(h); err == nil {
		return a == netip.IPv6Loopback() || (a.Is4() && a.IsLoopback())
	}
	a, ok := hostAddr(h)
	return ok && a.IsLoopback()
}

// dialLoopback reports whether the gateway's HTTP client reaches host on
// this machine without asking DNS: a loopback IP address as Go reads one
// (IPv4-mapped too), or "localhost" in any case, which /etc/hosts names.
// Go's resolver has no rule of its own for the names under "localhost",
// nor for "localhost." or "127.1": it asks DNS, through the search
// domains, and the answer may be any host on the network.
func dialLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Zone() == "" && a.Unmap().IsLoopback()
}

// isBase64 reports whether s is standard base64, padded or not.
func isBase64(s string) bool {
	_, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		_, err = base64.RawStdEncoding.DecodeString(s)
	}
	return err == nil && s != ""
}
