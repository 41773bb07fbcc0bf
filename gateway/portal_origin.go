package gateway

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// portalOriginError is errPortalOriginOnly with the address where the
// request is served, which the answer names.
type portalOriginError struct{ where string }

func (e *portalOriginError) Error() string { return errPortalOriginOnly.Error() + ": " + e.where }

func (e *portalOriginError) Unwrap() error { return errPortalOriginOnly }

// onPortalOrigin reports a request made to public_url's host and port:
// the host of Host, and the port asked (a front door that drops it,
// nginx's $host, leaves public_url's on its host), read as foreignOrigin
// reads them.
func (s *core) onPortalOrigin(r *http.Request) bool {
	_, port, _ := s.asked(r)
	return normalizeHost(r.Host) == normalizeHost(s.publicURL.Host) && port == explicitPort(s.publicURL.Scheme, s.publicURL.Host)
}

// portalURL is path (and query, when not empty) on public_url's origin.
func (s *core) portalURL(path, query string) string {
	u := s.publicURL.Scheme + "://" + s.publicURL.Host + path
	if query != "" {
		u += "?" + query
	}
	return u
}

// portalOriginOnly answers a request for the admin console or an
// account change made on another host than public_url's: a browser's
// page load goes to the same page there (303, query kept: these pages
// carry no secret in it), anything else is 403 portal_origin_only,
// before any work is done.
func (s *core) portalOriginOnly(c *gin.Context) {
	r := c.Request
	if s.onPortalOrigin(r) {
		c.Next()
		return
	}
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && wantsHTML(r) {
		where := s.portalURL(r.URL.EscapedPath(), s.rdOnHost(r))
		noStore(c)
		c.Redirect(http.StatusSeeOther, where)
		c.Abort()
		return
	}
	s.log.InfoContext(r.Context(), "request refused: portal origin only", "path", loggedPath(r.URL.Path), "host", r.Host, "ip", s.clientIP(c))
	noStore(c)
	s.fail(c, &portalOriginError{where: s.portalURL(r.URL.EscapedPath(), "")})
}

// adminAPIOrigin is portalOriginOnly for the admin API, whose bearer
// tokens are no cookie a page's script could borrow: a request with an
// Authorization header is judged by it alone, on any host
// (docs/contract.md, "Admin console").
func (s *core) adminAPIOrigin(c *gin.Context) {
	if carriesAuthorization(c) {
		c.Next()
		return
	}
	s.portalOriginOnly(c)
}

// rdOnHost is r's query for the same page on public_url's origin: an
// rd that is a path of r's host (a link back to the app; the account
// page without one: that host's /) is made a URL of that host, which
// the portal honours as any rd (docs/contract.md, "HTTP endpoints");
// the rest is kept as it came.
func (s *core) rdOnHost(r *http.Request) string {
	q := r.URL.Query()
	rd := q.Get("rd")
	if !q.Has("rd") && r.URL.Path == s.prefix+"/account" {
		rd = "/" // the account page links back to the app at / of its host
	}
	u, ok := s.urlOnHost(r, rd)
	if !ok {
		return r.URL.RawQuery
	}
	q.Set("rd", u)
	return q.Encode()
}

// urlOnHost is rd, a path of r's host, made a URL of that host, for a
// page on public_url's origin to lead back there; ok is false for an rd
// that is no such path (a URL, "//host", "/\host"), to be kept as it came.
func (s *core) urlOnHost(r *http.Request, rd string) (string, bool) {
	if !strings.HasPrefix(rd, "/") || strings.HasPrefix(rd, "//") || strings.HasPrefix(rd, "/\\") {
		return "", false
	}
	return s.publicURL.Scheme + "://" + r.Host + rd, true
}

// accountLink is where a page served for r links to the account page:
// the path on public_url's origin, that URL elsewhere (docs/contract.md,
// "The portal's own origin").
func (s *core) accountLink(r *http.Request) string {
	if s.onPortalOrigin(r) {
		return s.prefix + "/account"
	}
	return s.portalURL(s.prefix+"/account", "")
}

// accountAfter is the account page with query q, for a browser leaving a
// sign-in step on r's host: on another host than public_url's, a URL
// there, with an rd that is a path of r's host made a URL of it.
func (s *core) accountAfter(r *http.Request, q url.Values) string {
	if s.onPortalOrigin(r) {
		return s.prefix + "/account?" + q.Encode()
	}
	if u, ok := s.urlOnHost(r, q.Get("rd")); ok {
		q.Set("rd", u)
	}
	return s.portalURL(s.prefix+"/account", q.Encode())
}
