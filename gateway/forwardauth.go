package gateway

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// original is the request a front door asks about.
type original struct {
	method string
	url    *url.URL
	host   string // normalised
	path   string // cleaned
}

// originalFromNginx reads X-Original-URL and X-Original-Method.
func originalFromNginx(r *http.Request) (*original, bool) {
	u, err := url.Parse(header(r.Header, "X-Original-Url"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, false
	}
	m := header(r.Header, "X-Original-Method")
	if m == "" {
		m = http.MethodGet
	}
	return newOriginal(m, u)
}

// originalFromForwarded reads X-Forwarded-Proto/Host/Uri/Method (Traefik,
// Caddy).
func originalFromForwarded(r *http.Request) (*original, bool) {
	proto, host := header(r.Header, "X-Forwarded-Proto"), header(r.Header, "X-Forwarded-Host")
	if proto != "http" && proto != "https" || host == "" {
		return nil, false
	}
	uri := header(r.Header, "X-Forwarded-Uri")
	if uri == "" {
		uri = "/"
	}
	if !strings.HasPrefix(uri, "/") {
		return nil, false
	}
	u, err := url.Parse(proto + "://" + host + uri)
	if err != nil || u.Host == "" {
		return nil, false
	}
	m := header(r.Header, "X-Forwarded-Method")
	if m == "" {
		m = http.MethodGet
	}
	return newOriginal(m, u)
}

func newOriginal(method string, u *url.URL) (*original, bool) {
	if strings.Contains(strings.ToLower(u.EscapedPath()), "%2f") || strings.ContainsAny(u.Path, "\\\x00") {
		return nil, false
	}
	return &original{method: strings.ToUpper(method), url: u, host: normalizeHost(u.Host), path: cleanPath(u.Path)}, true
}

// authRequest is GET /authz/auth-request (nginx auth_request): 200, 401,
// 403 or 503, never a redirect. A 401 for a browser GET carries the
// portal's login URL in Location, for nginx to redirect to (nginx only
// passes 2xx, 401 and 403 on from an auth subrequest).
func (s *Server) authRequest(c *gin.Context) {
	s.authorize(c, originalFromNginx, false)
}

// forwardAuth is GET /authz/forward-auth (Traefik ForwardAuth, Caddy
// forward_auth): like auth-request, but browser GETs without a session
// get a 302 to the portal.
func (s *Server) forwardAuth(c *gin.Context) {
	s.authorize(c, originalFromForwarded, true)
}

func (s *Server) authorize(c *gin.Context, read func(*http.Request) (*original, bool), redirect bool) {
	noStore(c)
	if !s.peerTrusted(c.Request) {
		s.metrics.requests.WithLabelValues("", "untrusted_peer").Inc()
		s.apiFail(c, errUnauthenticated)
		return
	}
	o, ok := read(c.Request)
	if !ok {
		s.apiFail(c, errUnauthenticated)
		return
	}
	if s.isPortal(o) {
		// The portal itself, put behind forward-auth by mistake (a wildcard
		// route or middleware covering public_url's host): it must stay
		// reachable without a session, or the login page would redirect to
		// itself forever.
		s.metrics.requests.WithLabelValues("", "portal").Inc()
		s.headers.set(c.Writer.Header(), identity{}, true)
		c.Status(http.StatusOK)
		return
	}
	rt := s.routes().match(o.host, o.path, o.method)
	if rt == nil {
		s.metrics.noRoute.Inc()
		s.apiFail(c, errForbidden)
		return
	}
	if rt.policy == PolicyBypass || rt.isBypassed(o.path) {
		rt.m.bypass.Inc()
		s.headers.set(c.Writer.Header(), identity{}, true)
		c.Status(http.StatusOK)
		return
	}
	begin, observe := time.Now(), s.metrics.decideNginx
	if redirect {
		observe = s.metrics.decideFwd
	}
	sess, u, err := s.currentUser(c)
	if err != nil {
		observe.Observe(since(begin))
		rt.m.errors.Inc()
		s.apiFail(c, err)
		return
	}
	d := decide(rt, sess, u, s.now())
	observe.Observe(since(begin))
	switch d.verdict {
	case allow:
		id, err := s.identityFor(d, rt.name)
		if err != nil {
			s.apiFail(c, err)
			return
		}
		rt.m.allow.Inc()
		s.headers.set(c.Writer.Header(), id, true)
		c.Status(http.StatusOK)
	case forbidden:
		rt.m.forbidden.Inc()
		s.apiFail(c, errForbidden)
	default:
		rt.m.login.Inc()
		if o.method == http.MethodGet && wantsHTML(c.Request) {
			login := s.portalLoginURL(o.url)
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

// portalLoginURL is the portal's login page on public_url, with rd set to
// the original URL the person was going to.
func (s *Server) portalLoginURL(original *url.URL) string {
	return strings.TrimSuffix(s.publicURL.String(), "/") + s.prefix + "/login?rd=" + url.QueryEscape(original.String())
}

// isPortal reports whether o is a page of the portal on public_url's host.
func (s *Server) isPortal(o *original) bool {
	return o.host == normalizeHost(s.publicURL.Host) && pathHasPrefix(o.path, s.prefix)
}
