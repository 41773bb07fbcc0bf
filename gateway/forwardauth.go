package gateway

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// authRequest is GET /authz/auth-request (nginx auth_request): 200, 401,
// 403 or 503, never a redirect. A 401 for a browser GET carries the
// portal's login URL in Location, for nginx to redirect to (nginx only
// passes 2xx, 401 and 403 on from an auth subrequest).
func (s *Server) authRequest(c *gin.Context) {
	s.serveAuthz(c, originalFromNginx, false)
}

// forwardAuth is GET /authz/forward-auth (Traefik ForwardAuth, Caddy
// forward_auth): like auth-request, but browser GETs without a session
// get a 302 to the portal.
func (s *Server) forwardAuth(c *gin.Context) {
	s.serveAuthz(c, originalFromForwarded, true)
}

// authorize answers check ck: whether the request a front door asks about
// (read from c's request) may through, and as whom. redirect sends
// browsers without a session to the portal with a 302 instead of a 401.
func (s *Server) authorize(c *gin.Context, ck *authzCheck, read func(*http.Request) (original, error), redirect bool) {
	if !ck.trusted {
		s.metrics.requests.WithLabelValues("", "untrusted_peer").Inc()
		s.refuse(c, ck, errUnauthenticated)
		return
	}
	o, err := read(c.Request)
	if err == nil {
		err = s.authorizePortal(c, ck, &o)
	}
	if errors.Is(err, errPortalPassed) {
		return
	}
	var rt *route
	var bypassed bool
	if err == nil {
		rt, bypassed, err = s.routes().resolve(o.host, &o.path, o.method)
	}
	if err != nil {
		if errors.Is(err, errBadPath) {
			s.metrics.requests.WithLabelValues("", "bad_path").Inc()
			if !redirect {
				err = errBadPathSubrequest // nginx turns a 400 from auth_request into a 500
			}
		}
		s.refuse(c, ck, err)
		return
	}
	if rt == nil {
		s.metrics.noRoute.Inc()
		s.refuse(c, ck, errForbidden)
		return
	}
	if bypassed {
		rt.m.bypass.Inc()
		s.pass(c, ck, identity{})
		return
	}
	begin, observe := time.Now(), s.metrics.decideNginx
	if redirect {
		observe = s.metrics.decideFwd
	}
	sess, u, err := s.userOf(&ck.ctx, c.Request)
	if err != nil {
		observe.Observe(since(begin))
		rt.m.errors.Inc()
		s.refuse(c, ck, err)
		return
	}
	d := decide(rt, sess, u, s.now())
	observe.Observe(since(begin))
	switch d.verdict {
	case allow:
		id, err := s.identityFor(d, rt.name)
		if err != nil {
			s.refuse(c, ck, err)
			return
		}
		rt.m.allow.Inc()
		s.pass(c, ck, id)
	case forbidden:
		rt.m.forbidden.Inc()
		s.refuse(c, ck, errForbidden)
	default:
		rt.m.login.Inc()
		s.refusing(c, ck)
		if o.method == http.MethodGet && wantsHTML(c.Request) {
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
		s.apiFail(c, d.loginError())
	}
}

// pass answers an allowed check: 200 with the identity headers (every
// one, empty if unknown) and no-store. Only the front door reads it,
// copying just the identity headers it is told to, so it goes without the
// browser security headers and Pragma that refusals carry.
func (s *Server) pass(c *gin.Context, ck *authzCheck, id identity) {
	h := c.Writer.Header()
	h["Cache-Control"] = valNoStore
	s.headers.setIn(h, id, true, &ck.values)
	c.Status(http.StatusOK)
}

// refuse answers a refused check with err as the contract's JSON error.
func (s *Server) refuse(c *gin.Context, ck *authzCheck, err error) {
	s.refusing(c, ck)
	s.apiFail(c, err)
}

// refusing prepares c for a refusal, which a front door may pass on to
// the browser: the portal's security headers and no-store, and the
// request's context carrying its id, for whatever logs from here on.
func (s *Server) refusing(c *gin.Context, ck *authzCheck) {
	s.setSecurityHeaders(c)
	noStore(c)
	c.Request = c.Request.WithContext(&ck.ctx)
}

// portalLoginURL is the portal's login page on public_url, with rd set to
// the original URL the person was going to.
func (s *Server) portalLoginURL(original string) string {
	return strings.TrimSuffix(s.publicURL.String(), "/") + s.prefix + "/login?rd=" + url.QueryEscape(original)
}

// errPortalPassed says authorizePortal answered the check.
var errPortalPassed = errors.New("portal passed")

// authorizePortal passes a check for a page of the portal on public_url's
// host (answering it, and returning errPortalPassed): the portal put
// behind forward-auth by mistake (a wildcard route or middleware covering
// public_url's host) must stay reachable without a session, or the login
// page would redirect to itself forever. On every host, a path that some
// readings put under portal_prefix and others not is refused
// (docs/contract.md, "Request paths").
func (s *Server) authorizePortal(c *gin.Context, ck *authzCheck, o *original) error {
	in, err := o.path.under(s.prefix)
	if err != nil || !in || o.host != normalizeHost(s.publicURL.Host) {
		return err
	}
	s.metrics.requests.WithLabelValues("", "portal").Inc()
	s.pass(c, ck, identity{})
	return errPortalPassed
}
