package gateway

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// authRequest is GET /authz/auth-request (nginx auth_request): 200, 401,
// 403 or 503, never a redirect. A 401 for a browser GET carries the
// portal's login URL in Location, for nginx to redirect to (nginx only
// passes 2xx, 401 and 403 on from an auth subrequest).
func (s *authzSurface) authRequest(c *gin.Context) {
	s.authorize(c, originalFromNginx, false, s.metrics.decideNginx)
}

// forwardAuth is GET /authz/forward-auth (Traefik ForwardAuth, Caddy
// forward_auth): like auth-request, but browser GETs without a session
// get a 302 to the portal.
func (s *authzSurface) forwardAuth(c *gin.Context) {
	s.authorize(c, originalFromForwarded, true, s.metrics.decideFwd)
}

// authorize answers whether the request a front door asks about (read
// from c's request by read) may through, and as whom: the forward-auth
// surface over check. redirect sends browsers without a session to the
// portal with a 302 instead of a 401.
func (s *authzSurface) authorize(c *gin.Context, read func(*http.Request) (original, error), redirect bool, observe prometheus.Observer) {
	o, err := s.readOriginal(c, read)
	if errors.Is(err, errPortal) {
		s.pass(c, identity{})
		return
	}
	var ok verdictOK
	if err == nil {
		t := target{host: o.host, path: o.path, method: o.method, sent: o.sent, unsaid: o.unsaid, query: rawRequestQuery(o.uri)}
		if r := c.Request; isHandshake(r.Header, o.method) {
			// The front door describes the authority as the client
			// sent it: no port there is the scheme's default.
			t.elsewhere = pageElsewhere(r.Header, o.scheme == "https", o.authority, explicitPort(o.scheme, o.authority), true)
		} else if o.method == http.MethodPost || (o.unsaid && !onlyAGet(r.Header)) {
			// A method not said may be a POST (check: method_unsaid).
			t.unasked = unaskedPost(r.Header, o.scheme == "https", o.authority, explicitPort(o.scheme, o.authority), true)
		}
		ok, err = s.check(c.Request.Context(), c.Request, t, observe)
	}
	if err != nil {
		s.authzFail(c, &o, err, redirect)
		return
	}
	s.pass(c, ok.id)
}

// readOriginal reads the original request, from a trusted front door
// only. A page of the portal on public_url's host is errPortal: the
// portal put behind forward-auth by mistake (a wildcard route or
// middleware covering public_url's host) must stay reachable without a
// session, or the login page would redirect to itself forever. On every
// host, a path that some readings put under portal_prefix and others not
// is errBadPath (docs/contract.md, "Request paths").
func (s *authzSurface) readOriginal(c *gin.Context, read func(*http.Request) (original, error)) (original, error) {
	if !s.peerTrusted(c.Request) {
		s.metrics.requests.WithLabelValues("", "untrusted_peer").Inc()
		return original{}, errUnauthenticated
	}
	o, err := read(c.Request)
	if err != nil {
		return original{}, err
	}
	in, err := o.path.under(s.prefix)
	if err != nil {
		return original{}, err
	}
	if in && s.isPortalAuthority(o.authority) {
		s.metrics.requests.WithLabelValues("", "portal").Inc()
		return original{}, errPortal
	}
	return o, nil
}

// isPortalAuthority reports whether authority (host[:port], as the front
// door sent it) is public_url's: the same host and, when a port is
// written, public_url's port. Another site on the portal's host but
// another port (auth.example.com:8443) is not the portal, and its
// portal_prefix paths follow the routes.
func (s *authzSurface) isPortalAuthority(authority string) bool {
	if normalizeHost(authority) != normalizeHost(s.publicURL.Host) {
		return false
	}
	_, port, err := net.SplitHostPort(authority)
	if err != nil || port == "" {
		return true // no port written: the default one, as browsers send it
	}
	want := s.publicURL.Port()
	if want == "" {
		want = "443"
		if s.publicURL.Scheme == "http" {
			want = "80"
		}
	}
	return port == want
}

// pass answers an allowed check: 200 with the identity headers (every
// one, empty if unknown), the Cookie header the app is to get, and
// no-store. Only the front door reads it, copying just the headers it is
// told to, so it goes without the browser security headers that refusals
// carry.
func (s *authzSurface) pass(c *gin.Context, id identity) {
	h := c.Writer.Header()
	h["Cache-Control"] = valNoStore
	s.headers.set(h, id, true)
	// The client's cookies without the gateway's (docs/contract.md,
	// "Forward-auth protocol"), always sent, empty when none is left, so
	// that a front door copying it never passes the client's on: the
	// session cookie goes to every app under session.cookie_domain, and
	// an app that logs or shows its request headers would hand out a live
	// session for every app and the portal.
	h["Cookie"] = valEmpty
	if kept := keptCookies(c.Request.Header["Cookie"], s.gatewayCookieNames()); kept != "" {
		h["Cookie"] = []string{kept}
	}
	c.Status(http.StatusOK)
}

// authzFail is the forward-auth surface's error writer: the contract's
// JSON error, which a front door may pass on to the browser (so with the
// portal's security headers and no-store); a browser GET that must sign
// in is sent to the portal (302) or told where it is (Location on the
// 401, for nginx). A host and path no route covers is 403: nginx only
// understands 2xx, 401 and 403 from an auth subrequest.
func (s *authzSurface) authzFail(c *gin.Context, o *original, err error, redirect bool) {
	switch {
	case errors.Is(err, errNoRoute):
		err = errForbidden
	case errors.Is(err, errBadPath):
		s.metrics.requests.WithLabelValues("", "bad_path").Inc()
		if !redirect {
			err = errBadPathSubrequest // nginx turns a 400 from auth_request into a 500
		}
	}
	s.setSecurityHeaders(c)
	noStore(c)
	if isLoginError(err) && o.method == http.MethodGet && wantsHTML(c.Request) {
		login := s.portalLoginURL(o.URL())
		if redirect {
			c.Redirect(http.StatusFound, login)
			c.Abort()
			return
		}
		// nginx cannot build a URL-encoded rd itself: the 401 carries
		// the login URL, which its error_page turns into a redirect.
		c.Header("Location", login)
	}
	s.apiFail(c, err)
}

// portalLoginURL is the portal's login page on public_url, with rd set to
// the original URL the person was going to.
func (s *core) portalLoginURL(original string) string {
	return strings.TrimSuffix(s.publicURL.String(), "/") + s.prefix + "/login?rd=" + url.QueryEscape(original)
}

// isAuthzTarget reports whether route (a gin route pattern) is one of
// the forward-auth endpoints.
func (s *core) isAuthzTarget(route string) bool {
	rest, ok := strings.CutPrefix(route, s.prefix)
	return ok && (rest == "/authz/forward-auth" || rest == "/authz/auth-request")
}
