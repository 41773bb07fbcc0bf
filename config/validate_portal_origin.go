package config

// The warning of a portal that shares its host with a proxied app
// (docs/contract.md, "The portal's own origin").

import (
	"net/url"
	"strings"
)

// portalHostShared warns when public_url's host is also a route host
// whose route proxies an app (any policy but deny, and a deny route's
// bypass_paths, which are forwarded anonymously): the admin console
// and the account's factors answer only on public_url's origin, so that
// a script in an app's page cannot reach them, and an app served on
// that same origin can.
func (v *validator) portalHostShared() {
	pub, err := url.Parse(v.c.Server.PublicURL)
	if err != nil || pub.Hostname() == "" {
		return
	}
	host := strings.ToLower(strings.TrimSuffix(pub.Hostname(), "."))
	for _, r := range v.c.Routes {
		if (r.Policy == "deny" && len(r.BypassPaths) == 0) || !routeHostMatches(r.Host, host) {
			continue
		}
		v.warn("server.public_url", "%s is also the host of route %q: its app's pages share the portal's origin, so a script injected into them can use the admin console and change the factors of whoever views them; give the portal a host of its own (docs/contract.md, \"The portal's own origin\")", host, r.Name)
		return
	}
}

// routeHostMatches reports whether a route's host (exact, "*.domain" or
// "*") covers host, as the route table matches them.
func routeHostMatches(routeHost, host string) bool {
	h := strings.ToLower(strings.TrimSuffix(routeHost, "."))
	switch {
	case h == "*":
		return true
	case strings.HasPrefix(h, "*."):
		return strings.HasSuffix(host, h[1:])
	}
	return h == host
}
