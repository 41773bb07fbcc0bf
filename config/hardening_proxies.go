package config

// The checks of server.trusted_proxies beyond their syntax: a list that
// trusts every client is refused, an entry that trusts a wide range of
// the internet is a warning (docs/contract.md, "check-config").

import (
	"net/netip"
	"strconv"
)

// Widest public ranges trusted without a warning: those of the CDN that
// publishes the widest proxy ranges (Cloudflare's 104.16.0.0/13 and
// 2a06:98c0::/29). A range wider than these holds other people's
// machines, each of which could then name its own address.
const (
	maxPublicProxyBits4 = 13
	maxPublicProxyBits6 = 29
)

// nonPublic are the address blocks no client on the internet is in:
// private, shared (carrier-grade NAT, Tailscale), loopback, link-local,
// "this network" and benchmarking (RFC 6890), and IPv6's unique-local,
// link-local and loopback.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
}

// everyClient are the ranges that hold every client of a family: all of
// IPv4, all of IPv6, and IPv6's global unicast block, where every IPv6
// client on the internet is.
var everyClient = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/0"),
	netip.MustParsePrefix("::/0"),
	netip.MustParsePrefix("2000::/3"),
}

// trustedProxies refuses a server.trusted_proxies list that covers every
// client of a family, one entry alone or entries together ("0.0.0.0/1"
// and "128.0.0.0/1"): every client could forge X-Forwarded-For (its
// address for bans and quotas) and the forward-auth headers. It warns of
// an entry that covers public addresses and is wider than any CDN's
// published range (a public /8): every machine there can do the same.
func (v *validator) trustedProxies() {
	var all, refused []netip.Prefix // refused: everyClient ranges said once
	for i, tp := range v.c.Server.TrustedProxies {
		p, ok := parseProxy(tp)
		if !ok {
			continue // reported by server(), an IPv4-mapped entry too
		}
		all = append(all, p)
		key := "server.trusted_proxies." + strconv.Itoa(i)
		if covered := everyClientIn(p); len(covered) > 0 {
			refused = append(refused, covered...)
			v.add(key, "%q trusts every client: anyone could forge X-Forwarded-For (their address for bans) and the forward-auth headers; list your front proxies' addresses", tp)
			continue
		}
		if widePublic(p) {
			v.warn(key, "%q trusts a public range wider than any CDN's proxies use (/%d, /%d in IPv6): any machine in it, another customer's too, can set X-Forwarded-For, its address for bans and quotas, and so escape them, and forge the forward-auth headers; list only your front proxies' own ranges", tp, maxPublicProxyBits4, maxPublicProxyBits6)
		}
	}
	for _, e := range everyClient {
		if sameFamily(refused, e) || !covers(all, e) {
			continue
		}
		refused = append(refused, e)
		v.add("server.trusted_proxies", "together cover %s, every client: anyone could forge X-Forwarded-For (their address for bans) and the forward-auth headers; list your front proxies' addresses", e)
	}
}

// everyClientIn returns the ranges of everyClient that p holds whole.
func everyClientIn(p netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	for _, e := range everyClient {
		if contains(p, e) {
			out = append(out, e)
		}
	}
	return out
}

// widePublic reports whether p holds public addresses and is wider than
// the widest range a CDN publishes for its proxies.
func widePublic(p netip.Prefix) bool {
	limit := maxPublicProxyBits6
	if p.Addr().Is4() {
		limit = maxPublicProxyBits4
	}
	if p.Bits() >= limit {
		return false
	}
	return !within(nonPublic, p)
}

// sameFamily reports whether one of ps is of r's family (IPv4, IPv6).
func sameFamily(ps []netip.Prefix, r netip.Prefix) bool {
	for _, p := range ps {
		if p.Addr().BitLen() == r.Addr().BitLen() {
			return true
		}
	}
	return false
}

// within reports whether one of ranges holds p whole.
func within(ranges []netip.Prefix, p netip.Prefix) bool {
	for _, r := range ranges {
		if contains(r, p) {
			return true
		}
	}
	return false
}

// contains reports whether outer holds every address of inner.
func contains(outer, inner netip.Prefix) bool {
	return outer.Addr().BitLen() == inner.Addr().BitLen() && outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// covers reports whether the prefixes ps hold every address of r between
// them. It splits r in halves only where some prefix overlaps it without
// holding it: only the ranges above a prefix of ps are looked at.
func covers(ps []netip.Prefix, r netip.Prefix) bool {
	overlap := false
	for _, p := range ps {
		if contains(p, r) {
			return true
		}
		overlap = overlap || (p.Addr().BitLen() == r.Addr().BitLen() && p.Overlaps(r))
	}
	if !overlap || r.Bits() == r.Addr().BitLen() {
		return false
	}
	lo := netip.PrefixFrom(r.Addr(), r.Bits()+1)
	return covers(ps, lo) && covers(ps, netip.PrefixFrom(withBit(r.Addr(), r.Bits()), r.Bits()+1))
}

// withBit returns a with its bit i (0 the most significant) set.
func withBit(a netip.Addr, i int) netip.Addr {
	if a.Is4() {
		b := a.As4()
		b[i/8] |= 0x80 >> (i % 8)
		return netip.AddrFrom4(b)
	}
	b := a.As16()
	b[i/8] |= 0x80 >> (i % 8)
	return netip.AddrFrom16(b)
}
