package gateway

import (
	"strings"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/internal/dnsname"
	"github.com/gin-gonic/gin"
)

// otpRequester puts who is asking into the request context for the code
// service (auth.Requester): the client IP, for the per-IP send quota, and
// the host the code will be typed on, for the WebOTP line. That host is
// the request's only when it is public_url's host or a route's (exact or
// wildcard, as for redirects; see textHost): anything else falls back to
// public_url's, so a forged Host header can never bind a code to another
// site.
func (s *core) otpRequester(c *gin.Context) {
	c.Request = c.Request.WithContext(auth.WithRequester(c.Request.Context(), auth.Requester{
		IP:   s.clientIP(c),
		Host: s.codeHost(c.Request.Host),
	}))
	c.Next()
}

// codeHost returns host when it is one of the gateway's own that a text
// may name (table.textHost), else public_url's host.
func (s *core) codeHost(host string) string {
	h := normalizeHost(host)
	public := normalizeHost(s.publicURL.Host)
	if h == public || (h != "" && s.routes().textHost(h)) {
		return h
	}
	return public
}

// maxWildcardText bounds the part of a host a wildcard route matched
// that a text names: one DNS label's length.
const maxWildcardText = 63

// textHost reports whether a code's text may name host (normalised), a
// Host header the client wrote: a route's exact host, or a host a
// wildcard route takes whose part before the wildcard's domain is DNS
// labels (letters, digits, inner hyphens; 1 to 63 each) of at most
// maxWildcardText characters in all. Before, any host under a wildcard
// was texted whole: up to 64 KiB of the client's own words in a code
// sent to any number, one segment billed as hundreds (docs/contract.md,
// "SMS delivery").
func (t *table) textHost(host string) bool {
	for _, r := range t.routes {
		switch {
		case r.anyHost || !r.matchHost(host):
		case r.hostSuffix == "":
			return true
		default:
			// Routes are in order of the most specific host first: this
			// is the longest wildcard domain that takes host.
			return dnsname.Valid(strings.TrimSuffix(host, r.hostSuffix), maxWildcardText, false)
		}
	}
	return false
}
