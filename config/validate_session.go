package config

// Checks of the session section: the cookie's name, domain, Secure and
// SameSite attributes, and the session lifetimes.

import (
	"net/url"
	"strings"
)

// maxSessionsPerAccount bounds session.max_per_account: an account at
// the limit has every session read at each sign-in (docs/contract.md,
// "Sessions per account").
const maxSessionsPerAccount = 10000

func (v *validator) session() {
	s := v.c.Session
	switch {
	case s.CookieName == "":
		v.add("session.cookie_name", "required")
	case !isToken(s.CookieName):
		v.add("session.cookie_name", "%q is not a valid cookie name (letters, digits and !#$%%&'*+-.^_`|~ only)", s.CookieName)
	case strings.HasPrefix(s.CookieName, "__Host-") && (!s.Secure || s.CookieDomain != ""):
		v.add("session.cookie_name", "a __Host- cookie needs secure: true and no cookie_domain")
	case strings.HasPrefix(s.CookieName, "__Secure-") && !s.Secure:
		v.add("session.cookie_name", "a __Secure- cookie needs secure: true")
	default:
		v.tossableCookieName()
	}

	if s.CookieDomain != "" {
		domain := strings.ToLower(strings.TrimPrefix(s.CookieDomain, "."))
		if !isHostname(domain) {
			v.add("session.cookie_domain", "%q is not a domain name such as \"example.com\"", s.CookieDomain)
		} else if u, err := url.Parse(v.c.Server.PublicURL); err == nil && u.Hostname() != "" {
			host := strings.ToLower(u.Hostname())
			if host != domain && !strings.HasSuffix(host, "."+domain) {
				v.add("session.cookie_domain", "%q does not cover the host of server.public_url (%s): browsers would refuse the cookie", s.CookieDomain, host)
			}
		}
	}

	v.plainHTTP()

	if v.oneOf("session.same_site", s.SameSite, sameSites) && s.SameSite == "none" && !s.Secure {
		v.add("session.same_site", "none needs secure: true (browsers drop SameSite=None cookies that are not Secure)")
	}
	v.positive("session.idle_timeout", s.IdleTimeout)
	if s.AbsoluteTimeout < s.IdleTimeout {
		v.add("session.absolute_timeout", "must be at least idle_timeout (%s), it is %s", s.IdleTimeout, s.AbsoluteTimeout)
	}
	if s.RememberMe < 0 {
		v.add("session.remember_me", "must be 0 (disabled) or more, it is %s", s.RememberMe)
	}
	if s.MaxPerAccount < 1 || s.MaxPerAccount > maxSessionsPerAccount {
		v.add("session.max_per_account", "must be 1 to %d, it is %d (an account signing in past it ends its sessions that proved least, oldest first)", maxSessionsPerAccount, s.MaxPerAccount)
	}
	if s.RememberMe > 0 && s.RememberMe < s.AbsoluteTimeout {
		v.warn("session.remember_me", "is shorter than session.absolute_timeout (%s): a person who ticks \"remember me\" is signed out sooner than one who does not, however busy; make it longer, or 0 to hide the box (it is %s)", s.AbsoluteTimeout, s.RememberMe)
	}
}

// plainHTTP checks the scheme of server.public_url against session.secure
// (docs/contract.md, "check-config"). With https, secure: false is a
// warning: the cookie goes without Secure, so the browser also sends it
// over plain http, to this host and to every host under cookie_domain,
// where anyone on the network reads it and signs in as its owner. With
// http to a host a browser does not take for this machine, secure: true
// is a problem (browsers keep no Secure cookie from an http page), and
// secure: false a warning: passwords, codes and the session cross the
// network in clear. Warnings, not problems: a network of one's own
// (WireGuard, Tailscale) encrypts below http, and an app served only over
// http needs the cookie there. serve --dev's configuration, on loopback,
// says nothing.
func (v *validator) plainHTTP() {
	u, err := url.Parse(v.c.Server.PublicURL)
	if err != nil || u.Hostname() == "" {
		return
	}
	secure := v.c.Session.Secure
	switch {
	case u.Scheme == "https" && !secure:
		v.warn("session.secure", "is false although server.public_url is https://: the session cookie goes without Secure, so browsers also send it over plain http (to this host, and to every host under session.cookie_domain), where anyone on the network reads it and signs in as its owner; keep it true (for a local try over http, serve --dev)")
	case u.Scheme != "http" || browserLoopback(u.Hostname()):
	case secure:
		v.add("session.secure", "true, but server.public_url is http://: browsers would not send the cookie back (use https, or secure: false for development)")
	default:
		v.warn("server.public_url", "is plain http:// to %s, a host not on this machine: every password, code and session cookie crosses the network in clear; use https:// (for a local try, serve --dev)", u.Hostname())
	}
}

// tossableCookieName warns of a session.cookie_name that another host of
// the site can set (docs/contract.md, "Session cookie names"): with
// secure on, the gateway adds __Host- to a host-only cookie's name, which
// no other host can set, unless the name starts with "__". A host-only
// __Secure-… name, or "__" without a prefix, is a cookie a sibling host
// can set for the whole site, signing a visitor into its own account
// (cookie tossing). A warning: it is the operator's name, and browsers
// take it.
func (v *validator) tossableCookieName() {
	s := v.c.Session
	name := s.CookieName
	switch {
	case !s.Secure || !strings.HasPrefix(name, "__") || strings.HasPrefix(name, "__Host-"):
	case strings.HasPrefix(name, "__Secure-"):
		if s.CookieDomain == "" {
			v.warn("session.cookie_name", "%q is a host-only cookie every other host of the site can set for the whole site (cookie tossing: a visitor signed into that host's account); write it without __Secure- and the gateway sends it as __Host-%s, which no other host can set", name, strings.TrimPrefix(name, "__Secure-"))
		}
	default:
		v.warn("session.cookie_name", "%q starts with \"__\" without __Host- or __Secure-, so the gateway adds no prefix, and every other host of the site can set the cookie (cookie tossing: a visitor signed into that host's account); write it without the leading underscores and the gateway adds the prefix", name)
	}
}
