package gateway

import (
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// safeRedirect returns rd if it is a safe place to send the browser after
// login (allowedRedirect), else "/".
func (s *core) safeRedirect(rd string) string {
	if v, ok := s.allowedRedirect(rd); ok {
		return v
	}
	return "/"
}

// allowedRedirect returns rd and true if it is a safe place to send the
// browser after login, as sent (less a search of phone numbers into the
// console: intoConsole). Safe means: a path on the current host (not
// "//host" or "/\host"), or an absolute URL with the public_url's scheme
// whose host and port are allowed (docs/contract.md, "Redirect targets"):
// public_url's host on public_url's port, or a configured route host
// (exact or wildcard at a dot boundary) on the scheme's default port or
// public_url's port. Userinfo, control characters, backslashes and other
// schemes are refused.
func (s *core) allowedRedirect(rd string) (string, bool) {
	if rd == "" || len(rd) > 4096 {
		return "", false
	}
	for i := 0; i < len(rd); i++ {
		if c := rd[i]; c < 0x21 || c == 0x7f || c == '\\' {
			return "", false
		}
	}
	if strings.HasPrefix(rd, "/") {
		if strings.HasPrefix(rd, "//") {
			return "", false
		}
		u, err := url.Parse(rd)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
			return "", false
		}
		if v := s.intoConsole(u); v != u {
			return v.String(), true
		}
		return rd, true
	}
	u, err := url.Parse(rd)
	if err != nil || u.User != nil || u.Opaque != "" || u.Host == "" {
		return "", false
	}
	if u.Scheme != s.publicURL.Scheme {
		return "", false
	}
	port, ok := urlPort(u)
	if !ok {
		return "", false
	}
	publicPort, _ := urlPort(s.publicURL)
	host := normalizeHost(u.Host)
	switch {
	case host == normalizeHost(s.publicURL.Host) && port == publicPort:
	case (port == defaultPort(u.Scheme) || port == publicPort) && s.routes().hostMatchesAny(host):
	default:
		return "", false
	}
	return s.intoConsole(u).String(), true
}

// intoConsole is u, or a copy without a search of phone numbers when u
// leads into the admin console (its pages or its API). A link of a
// portal page and a sign-in's redirect are the portal's own
// (Sec-Fetch-Site same-origin), which the console takes as its own page
// asking for the search it audits in the administrator's name; rd is
// whoever wrote the link's (docs/contract.md, "Redirect targets").
func (s *core) intoConsole(u *url.URL) *url.URL {
	p := path.Clean("/" + u.Path) // as the browser will ask for it: dot segments resolved
	if !pathHasPrefix(p, s.prefix+"/admin") && !pathHasPrefix(p, s.prefix+"/api/admin") {
		return u
	}
	return dropPhoneSearch(u)
}

// dropPhoneSearch is u, or a copy without its search of phone numbers (q
// and cursor) when it has one.
func dropPhoneSearch(u *url.URL) *url.URL {
	q := u.Query()
	if _, byPhone := auth.PhoneSearch(strings.TrimSpace(q.Get("q"))); !byPhone {
		return u
	}
	q.Del("q")
	q.Del("cursor")
	v := *u
	v.RawQuery = q.Encode()
	return &v
}

// urlPort returns the port u's browser would connect to: the explicit one
// read as a browser reads it (decimal, leading zeros allowed), or the
// scheme's default. ok is false for a port no browser would accept.
func urlPort(u *url.URL) (port int, ok bool) {
	p := u.Port()
	if p == "" {
		return defaultPort(u.Scheme), true
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return 0, false
	}
	return n, true
}

// defaultPort is the port of an http or https URL without one.
func defaultPort(scheme string) int {
	if strings.EqualFold(scheme, "http") {
		return 80
	}
	return 443
}
