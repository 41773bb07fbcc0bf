package gateway

import (
	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// otpRequester puts who is asking into the request context for the code
// service (auth.Requester): the client IP, for the per-IP send quota, and
// the host the code will be typed on, for the WebOTP line. That host is
// the request's only when it is public_url's host or a route's (exact or
// wildcard, as for redirects): anything else falls back to public_url's,
// so a forged Host header can never bind a code to another site.
func (s *core) otpRequester(c *gin.Context) {
	c.Request = c.Request.WithContext(auth.WithRequester(c.Request.Context(), auth.Requester{
		IP:   s.clientIP(c),
		Host: s.codeHost(c.Request.Host),
	}))
	c.Next()
}

// codeHost returns host when it is one of the gateway's own, else
// public_url's host.
func (s *core) codeHost(host string) string {
	h := normalizeHost(host)
	public := normalizeHost(s.publicURL.Host)
	if h == public || (h != "" && s.routes().hostMatchesAny(h)) {
		return h
	}
	return public
}
