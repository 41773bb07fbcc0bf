package gateway

import (
	"net/url"
	"strings"
)

// safeRedirect returns rd if it is a safe place to send the browser after
// login, else "/". Safe means: a path on the current host (not "//host" or
// "/\host"), or an absolute URL with the public_url's scheme whose host is
// public_url's host or a configured route host (exact or wildcard at a dot
// boundary). Userinfo, control characters, backslashes and other schemes
// are refused.
func (s *Server) safeRedirect(rd string) string {
	if rd == "" || len(rd) > 4096 {
		return "/"
	}
	for i := 0; i < len(rd); i++ {
		if c := rd[i]; c < 0x21 || c == 0x7f || c == '\\' {
			return "/"
		}
	}
	if strings.HasPrefix(rd, "/") {
		if strings.HasPrefix(rd, "//") {
			return "/"
		}
		u, err := url.Parse(rd)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
			return "/"
		}
		return rd
	}
	u, err := url.Parse(rd)
	if err != nil || u.User != nil || u.Opaque != "" || u.Host == "" {
		return "/"
	}
	if u.Scheme != s.publicURL.Scheme {
		return "/"
	}
	host := normalizeHost(u.Host)
	if host != normalizeHost(s.publicURL.Host) && !s.routes().hostMatchesAny(host) {
		return "/"
	}
	return u.String()
}
