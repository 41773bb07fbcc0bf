package config

// Checks of the session section: the cookie's name, domain, Secure and
// SameSite attributes, and the session lifetimes.

import (
	"net/url"
	"strings"
)

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

	if u, err := url.Parse(v.c.Server.PublicURL); err == nil && u.Scheme == "http" && s.Secure && !browserLoopback(u.Hostname()) {
		v.add("session.secure", "true, but server.public_url is http://: browsers would not send the cookie back (use https, or secure: false for development)")
	}

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
	if s.RememberMe > 0 && s.RememberMe < s.AbsoluteTimeout {
		v.warn("session.remember_me", "is shorter than session.absolute_timeout (%s): a person who ticks \"remember me\" is signed out sooner than one who does not, however busy; make it longer, or 0 to hide the box (it is %s)", s.AbsoluteTimeout, s.RememberMe)
	}
}
