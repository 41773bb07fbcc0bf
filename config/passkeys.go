package config

// The passkeys section (docs/contract.md, "Passkeys"): its type, the
// relying party and origins it resolves to, and its checks.

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Passkeys configures passkeys and security keys (WebAuthn;
// docs/contract.md, "Passkeys").
type Passkeys struct {
	// Enabled offers passkeys on the account page and the login page,
	// and accepts them as a second factor (or both, user-verified).
	Enabled bool `yaml:"enabled"`
	// RPID is the relying party id, the host name keys are bound to;
	// "" is session.cookie_domain, else server.public_url's host.
	RPID string `yaml:"rp_id"`
	// RPDisplayName is the name browsers show when a key is made; "" is
	// portal.app_name.
	RPDisplayName string `yaml:"rp_display_name"`
	// Origins are the origins (scheme://host[:port]) whose pages may use
	// keys; empty: server.public_url's, and each exact route host under
	// the relying party id with a route that is neither bypass nor deny,
	// with public_url's scheme and port (the portal is served on every
	// host).
	Origins []string `yaml:"origins"`
}

// PasskeyRP returns the passkey settings of c with their defaults
// applied: the relying party id, its display name and the origins.
func (c *Config) PasskeyRP() (rpID, name string, origins []string) {
	p := c.Passkeys
	rpID = strings.ToLower(strings.Trim(p.RPID, "."))
	pub, _ := url.Parse(c.Server.PublicURL)
	if rpID == "" {
		rpID = strings.ToLower(strings.Trim(c.Session.CookieDomain, "."))
	}
	if rpID == "" && pub != nil {
		rpID = strings.ToLower(pub.Hostname())
	}
	name = p.RPDisplayName
	if name == "" {
		name = c.Portal.AppName
	}
	if len(p.Origins) > 0 {
		return rpID, name, slices.Clone(p.Origins)
	}
	if pub == nil || pub.Host == "" {
		return rpID, name, nil
	}
	origins = []string{pub.Scheme + "://" + strings.ToLower(pub.Host)}
	signIn := c.signInHosts()
	for _, r := range c.Routes {
		h := strings.ToLower(strings.TrimSuffix(r.Host, "."))
		if h == "" || strings.Contains(h, "*") || !underRPID(h, rpID) || !signIn[h] {
			continue
		}
		o := pub.Scheme + "://" + h
		if pub.Port() != "" {
			o += ":" + pub.Port()
		}
		if !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	return rpID, name, origins
}

// signInHosts are the route hosts (lower-cased, without a final dot)
// with a route that is neither bypass nor deny: where someone may sign
// in for something. A host of public routes only is no default passkey
// origin: its pages may be anyone's, and one that is a passkey origin
// could have a visitor's key answer a ceremony started on that host by
// someone else (docs/contract.md, "Passkeys").
func (c *Config) signInHosts() map[string]bool {
	out := make(map[string]bool, len(c.Routes))
	for _, r := range c.Routes {
		if r.Policy != "bypass" && r.Policy != "deny" {
			out[strings.ToLower(strings.TrimSuffix(r.Host, "."))] = true
		}
	}
	return out
}

// underRPID reports whether host is rpID or a subdomain of it: where a
// key bound to rpID may be used (WebAuthn §5.1.4: a registrable domain
// suffix of the origin's host).
func underRPID(host, rpID string) bool {
	return host == rpID || strings.HasSuffix(host, "."+rpID)
}

// passkeys checks passkeys: (when enabled) a relying party id that is a
// host name (never an IP address, which browsers refuse) and not a
// public suffix, and origins it covers, over https (http only for
// localhost, the one plain-http origin browsers allow WebAuthn on).
func (v *validator) passkeys() {
	p := v.c.Passkeys
	if !p.Enabled {
		return
	}
	rpID, _, origins := v.c.PasskeyRP()
	key := "passkeys.rp_id"
	switch {
	case rpID == "":
		v.add(key, "required: the host name keys are bound to, e.g. \"example.com\"")
		return
	case net.ParseIP(rpID) != nil || !isHostname(rpID):
		v.add(key, "%q is not a host name (browsers refuse IP addresses as relying party ids); set passkeys.rp_id", rpID)
		return
	}
	if suffix, icann := publicsuffix.PublicSuffix(rpID); suffix == rpID && (icann || strings.Contains(suffix, ".")) {
		v.add(key, "%q is a public suffix: keys would be shared by every site under it; use your own domain", rpID)
	}
	for i, o := range origins {
		okey := fmt.Sprintf("passkeys.origins.%d", i)
		if len(p.Origins) == 0 {
			okey = "passkeys.origins"
		}
		u, err := url.Parse(o)
		switch {
		case err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil:
			v.add(okey, "%q is not an origin such as \"https://auth.example.com\"", o)
		case u.Scheme != "https" && (u.Scheme != "http" || !underRPID(u.Hostname(), "localhost")):
			v.add(okey, "%q: browsers allow passkeys only over https (or http://localhost)", o)
		case !underRPID(strings.ToLower(u.Hostname()), rpID):
			v.add(okey, "%q is not under the relying party id %q: browsers would refuse its keys", o, rpID)
		}
	}
}
