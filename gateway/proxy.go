package gateway

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// forwardState travels from the handler to Rewrite in the request context.
type forwardState struct {
	path     string   // the decoded path the policy approved (reqPath.path)
	identity identity // empty for bypass
	withID   bool
	// realIP is the client's address (trusted_proxies), the value of
	// X-Real-IP: held here so that setting the header allocates nothing.
	realIP [1]string
}

type forwardKey struct{}

// newProxy builds the ReverseProxy for one route. It uses Rewrite, never
// Director: hop-by-hop headers (including anything a client lists in
// Connection) are removed before Rewrite runs, so nothing a client sends
// can delete the identity headers set here.
//
// Its answers never set the gateway's cookies (dropGatewayCookies) and,
// unless the route allows caching, are marked no-store when sent with an
// identity (noStoreWithIdentity).
//
// Its transport bounds the dial and the wait for response headers with
// the route's timeouts, records the upstream's latency, and refuses at
// once (502) while the upstream is marked down.
func (s *proxySurface) newProxy(r *route, t http.RoundTripper) *httputil.ReverseProxy {
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { s.rewrite(pr, r) },
		Transport: &upstreamTransport{
			next:   t,
			health: s.health.get(r.upstream.Scheme + "://" + r.upstream.Host),
			route:  r,
			server: s.core,
		},
		ErrorHandler: func(w http.ResponseWriter, req *http.Request, err error) {
			s.proxyError(w, req, r, err)
		},
		ErrorLog:   slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BufferPool: proxyBuffers,
	}
	p.ModifyResponse = func(res *http.Response) error {
		res.Header[hdrRequestID] = requestIDValue(res.Request.Context())
		s.dropGatewayCookies(res.Header)
		if r.cacheAllow {
			return nil
		}
		return noStoreWithIdentity(res)
	}
	return p
}

// prepareRoutes gives every route of t its series and its proxy, and
// returns the transports made for it (to close when t is retired).
func (s *proxySurface) prepareRoutes(t *table) []*http.Transport {
	ts := newTransports(s.transport)
	for _, r := range t.routes {
		r.m = s.metrics.forRoute(r.name)
		r.proxy = s.newProxy(r, ts.get(r.timeouts))
	}
	return ts.all
}

// retireRoutes releases what the replaced table old held: idle upstream
// connections of its own transports (requests in flight finish first) and
// the series of routes the new table cur no longer has.
func (s *proxySurface) retireRoutes(old, cur *table) {
	if old == nil {
		return
	}
	for _, t := range old.transports {
		t.CloseIdleConnections()
	}
	names := make(map[string]bool, len(cur.routes))
	for _, r := range cur.routes {
		names[r.name] = true
	}
	for _, r := range old.routes {
		if !names[r.name] {
			s.metrics.forget(r.name)
		}
	}
}

// rewrite makes the request to r's upstream: the approved path, the
// method the route was matched on, the forwarding headers, and the
// identity headers when the decision sent them.
func (s *proxySurface) rewrite(pr *httputil.ProxyRequest, r *route) {
	st, _ := pr.In.Context().Value(forwardKey{}).(*forwardState)
	if st == nil {
		st = &forwardState{path: "/"}
	}
	// The method the route was matched on (docs/contract.md, "Routes:
	// path_prefix and methods").
	pr.Out.Method = upstreamMethod(pr.In.Method)
	setUpstreamURL(pr, r, st.path)
	s.setForwarded(pr, st.realIP[:])
	s.headers.strip(pr.Out.Header)
	sanitizeUpgrade(pr.In, pr.Out.Header)
	// No trailers (docs/contract.md, "Proxy mode"): an app server may
	// merge them into the headers, where no strip above reaches them.
	pr.Out.Trailer = nil
	// Under every name the session cookie has had (docs/contract.md,
	// "Proxy mode"): a browser may still hold the cookie from before the
	// name was prefixed, or before session.cookie_domain moved it from
	// __Host- to __Secure- (or back), and its value is a live session.
	removeCookie(pr.Out.Header, s.gatewayCookieNames()...)
	dropAdminTokens(pr.Out.Header)
	if st.withID {
		s.headers.set(pr.Out.Header, st.identity, false)
	}
}

// setUpstreamURL points pr's outgoing request at r's upstream, with the
// decoded path p the decision was made on.
func setUpstreamURL(pr *httputil.ProxyRequest, r *route, p string) {
	target := r.upstream
	pr.Out.URL.Scheme = target.Scheme
	pr.Out.URL.Host = target.Host
	pr.Out.URL.Path = joinPath(target.Path, p)
	pr.Out.URL.RawPath = ""
	if target.RawQuery != "" && pr.Out.URL.RawQuery != "" {
		pr.Out.URL.RawQuery = target.RawQuery + "&" + pr.Out.URL.RawQuery
	} else if target.RawQuery != "" {
		pr.Out.URL.RawQuery = target.RawQuery
	}
	if r.preserve {
		pr.Out.Host = pr.In.Host
	} else {
		pr.Out.Host = ""
	}
}

// setForwarded sets the headers that say where the request came from:
// X-Forwarded-* (a trusted proxy's chain kept, and its X-Forwarded-Host
// when it names the host decided on; else started fresh), X-Real-IP
// (clientIP) and X-Request-Id (the request's id, as answered and
// logged); the other headers apps read as the proxy's are deleted
// (proxyOwnedHeaders).
func (s *proxySurface) setForwarded(pr *httputil.ProxyRequest, realIP []string) {
	// First, so that no spelling of them (X_Forwarded_Host, which CGI and
	// PHP read as X-Forwarded-Host) outlives the values set below.
	proxyOwnedHeaders.strip(pr.Out.Header)
	// Here, not on the incoming request, where ReverseProxy has deleted
	// whatever the client's Connection names (docs/contract.md, "Logs").
	if id := requestIDValue(pr.In.Context()); id != nil {
		pr.Out.Header[hdrRequestID] = id
	}
	trusted := s.peerTrusted(pr.In)
	if trusted {
		if xff := pr.In.Header["X-Forwarded-For"]; len(xff) > 0 {
			pr.Out.Header["X-Forwarded-For"] = append([]string(nil), xff...)
		}
	}
	pr.SetXForwarded()
	if trusted {
		if v := pr.In.Header.Get("X-Forwarded-Proto"); v == "http" || v == "https" {
			pr.Out.Header.Set("X-Forwarded-Proto", v)
		}
		// Only a spelling of the host decided on (its port as the
		// client used it): another is the client's, passed on by a
		// proxy that does not set it (docs/contract.md, "Proxy mode").
		if v := pr.In.Header.Get("X-Forwarded-Host"); v != "" && validHost(v) && normalizeHost(v) == normalizeHost(pr.In.Host) {
			pr.Out.Header.Set("X-Forwarded-Host", v)
		}
	}
	if realIP[0] != "" {
		pr.Out.Header["X-Real-Ip"] = realIP
	}
}

// joinPath appends the request path to the upstream's base path.
func joinPath(base, p string) string {
	if base == "" || base == "/" {
		return p
	}
	return strings.TrimSuffix(base, "/") + p
}

func (s *proxySurface) proxyError(w http.ResponseWriter, req *http.Request, r *route, err error) {
	w.Header()[hdrRequestID] = requestIDValue(req.Context())
	mapped := proxyErrorStatus(err)
	switch {
	case errors.Is(context.Cause(req.Context()), errSessionCut):
		// Cut before its answer (docs/contract.md, "Long requests"):
		// 502; watchSession logged why, and neither the client nor the
		// upstream failed.
		mapped = errUpstream
	case errors.Is(mapped, context.Canceled):
		s.log.DebugContext(req.Context(), "client went away", "route", r.name)
		w.WriteHeader(499)
		return
	default:
		if !errors.Is(err, errUpstreamDown) {
			s.log.WarnContext(req.Context(), "upstream failed", "route", r.name, "upstream", r.upstream.Host, "error", err)
		}
		if errors.Is(mapped, errUpstreamTimeout) {
			r.m.timeout.Inc()
		} else {
			r.m.unavailable.Inc()
		}
	}
	e := classify(mapped)
	s.metrics.serverError(e.Code)
	w.Header().Set("Cache-Control", "no-store")
	if wantsHTML(req) {
		s.writeErrorPage(w, req, e)
		return
	}
	s.securityHeadersOn(w.Header(), req)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(e.Status)
	_, _ = w.Write(jsonErrorBody(e))
}

// serveProxy handles every request outside the portal prefix: the proxy
// surface over check. Its error writer is fail (an HTML page for
// browsers, the JSON error otherwise); a browser page load that must sign
// in is redirected to the portal.
func (s *proxySurface) serveProxy(c *gin.Context) {
	if err := s.proxy(c); err != nil {
		s.fail(c, err)
	}
}

// proxy decides on c's request and forwards it, or returns why not.
func (s *proxySurface) proxy(c *gin.Context) error {
	req := c.Request
	if upstreamMethod(req.Method) == http.MethodConnect {
		// Never forwarded, on any route (docs/contract.md, "Proxy mode"):
		// net/http's Transport writes a CONNECT's body of unknown length
		// unframed and makes a 2xx answer a raw tunnel to the upstream.
		return errConnect
	}
	raw := requestTarget(req)
	rp, err := readPath(rawRequestPath(raw))
	if err != nil {
		return err
	}
	if in, err := rp.under(s.prefix); in || err != nil {
		// The portal prefix is reserved on every host: an unknown portal
		// path or method is never proxied.
		return cmp.Or(err, errNoRoute)
	}
	t := target{host: normalizeHost(req.Host), path: rp, method: req.Method, query: rawRequestQuery(raw)}
	if isHandshake(req.Header, req.Method) {
		_, port, known := s.asked(req)
		t.elsewhere = pageElsewhere(req.Header, s.requestIsHTTPS(req), req.Host, port, known)
	} else if upstreamMethod(req.Method) == http.MethodPost {
		_, port, known := s.asked(req)
		t.unasked = unaskedPost(req.Header, s.requestIsHTTPS(req), req.Host, port, known)
	}
	ok, err := s.check(req.Context(), req, t, s.metrics.decideProxy)
	if isLoginError(err) && isNavigation(req) {
		// The path as it is forwarded, re-encoded: decoded, an encoded
		// space would be a raw one, which the redirect after sign-in
		// refuses (docs/contract.md, "Proxy mode").
		rd := (&url.URL{Path: rp.path}).EscapedPath()
		if req.URL.RawQuery != "" {
			rd += "?" + req.URL.RawQuery
		}
		s.setSecurityHeaders(c)
		noStore(c)
		c.Redirect(http.StatusFound, s.prefix+"/login?rd="+url.QueryEscape(rd))
		c.Abort()
		return nil
	}
	if err != nil {
		return err
	}
	st := &forwardState{path: rp.path, identity: ok.id, withID: ok.withID}
	if ok.withID && isWebSocket(req) {
		// Bounded per account (upgrade_limit.go); counted until it ends.
		release, err := s.sockets.Load().take(ok.id.user, s.cfg.Session.MaxPerAccount)
		if err != nil {
			return err
		}
		defer release()
	}
	st.realIP[0] = s.clientIP(c)
	s.forward(c, ok.route, st, t)
	return nil
}

// isNavigation reports a browser page load (GET/HEAD asking for HTML).
func isNavigation(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && wantsHTML(r)
}

// identityFor builds the identity (with a signed assertion) for an allowed
// decision on route.
func (s *core) identityFor(d decision, routeName string) (identity, error) {
	return s.asserts.identity(d.proved, routeName, d.user)
}

// forward sends c's request, read as t, to rt's upstream. A request
// still under way after upgradeRecheck (a WebSocket, a streamed answer,
// a long upload or poll) is cut once it would be refused: one forwarded
// with an identity once its session no longer gets it through, one on a
// bypassed path once a reload no longer bypasses it (watchSession).
func (s *proxySurface) forward(c *gin.Context, rt *route, st *forwardState, t target) {
	ctx, end := context.WithCancelCause(context.WithValue(c.Request.Context(), forwardKey{}, st))
	defer end(nil)
	r, aged := c.Request, time.Time{}
	if st.withID && !isWebSocket(r) {
		aged = s.now()
	}
	watch := time.AfterFunc(upgradeRecheck, func() { s.watchSession(ctx, end, r, rt, t, aged, st.withID) })
	defer watch.Stop()
	// The answer's X-Request-Id comes with the upstream's answer
	// (ModifyResponse) or error (proxyError), not before: an upstream's
	// 1xx answer (103 Early Hints) clears every header set so far.
	delete(c.Writer.Header(), hdrRequestID)
	rt.proxy.ServeHTTP(c.Writer, c.Request.WithContext(ctx))
	c.Abort()
}

// Retire releases what s holds once next replaces it (a configuration
// reload), and hands next what outlives s; call it before next serves.
// It closes the idle upstream connections of s's transports, and forgets
// the metric series of routes next does not have. Requests still in
// flight on s finish normally; WebSockets open on s are decided on by
// next from then on (watchSession), and counted with next's against
// their accounts (upgrade_limit.go). The names of s's cookies stay
// next's to remove from forwarded requests and answers: browsers keep
// the session cookie under a name a reload changed, and its id lives
// on in the store (docs/contract.md, "Proxy mode").
func (s *Server) Retire(next *Server) {
	for _, name := range s.ownCookies {
		if !containsFold(next.ownCookies, name) {
			next.ownCookies = append(next.ownCookies, name)
		}
	}
	s.successor.Store(next.core)
	// The WebSockets open on s still count against their accounts.
	next.sockets.Store(s.sockets.Load())
	s.transport.CloseIdleConnections()
	if t := s.routes(); t != nil {
		s.proxy.retireRoutes(t, next.routes())
	}
}
