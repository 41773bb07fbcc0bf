package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// The forward-auth targets as they were served before their lean chain
// (authz.go): gin's global middleware (recoverer, requestID, accessLog,
// stripIdentity), then securityHeaders trimmed by authzHeaders, then the
// handler, with the original read through url.Parse. It is kept here,
// verbatim but for names, as the reference that TestAuthzMatchesReference
// holds the lean chain to: same statuses, headers, bodies, log lines and
// metrics for every outcome.

// referenceEngine is a gin engine serving the forward-auth targets the
// old way, and everything else as s does.
func referenceEngine(s *Server) *gin.Engine {
	e, err := s.newEngine()
	if err != nil {
		panic(err)
	}
	e.Use(s.recoverer, refRequestID(s), refAccessLog(s), s.stripIdentity)
	authz := e.Group(s.prefix+"/authz", refAuthzHeaders(s))
	authz.GET("/auth-request", func(c *gin.Context) { refAuthorize(s, c, refOriginalFromNginx, false) })
	authz.GET("/forward-auth", func(c *gin.Context) { refAuthorize(s, c, refOriginalFromForwarded, true) })
	e.NoRoute(s.serveProxy)
	return e
}

func refRequestID(s *Server) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-Id")
		if id == "" || len(id) > 128 || !s.peerTrusted(c.Request) || strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r > '~' }) {
			id = newRequestID()
		}
		v := []string{id}
		c.Request.Header["X-Request-Id"] = v
		c.Writer.Header()["X-Request-Id"] = v
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), requestIDKey, id))
		c.Next()
	}
}

func refAccessLog(s *Server) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !s.log.Enabled(c.Request.Context(), slog.LevelInfo) {
			c.Next()
			return
		}
		start := time.Now()
		c.Next()
		level := slog.LevelInfo
		p := c.FullPath()
		if c.Writer.Status() < 300 && strings.HasPrefix(p, s.prefix) && strings.HasPrefix(p[len(s.prefix):], "/authz/") {
			level = slog.LevelDebug
			if !s.log.Enabled(c.Request.Context(), level) {
				return
			}
		}
		s.log.LogAttrs(c.Request.Context(), level, "request",
			slog.String("request_id", c.Writer.Header().Get("X-Request-Id")),
			slog.String("method", c.Request.Method),
			slog.String("host", c.Request.Host),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", c.Writer.Status()),
			slog.Duration("duration", time.Since(start)),
			slog.String("client_ip", c.ClientIP()),
		)
	}
}

func refAuthzHeaders(s *Server) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h["X-Content-Type-Options"] = valNosniff
		h["Referrer-Policy"] = valNoReferrer
		h["X-Frame-Options"] = valDeny
		if s.requestIsHTTPS(c.Request) {
			h["Strict-Transport-Security"] = valHSTS
		}
		c.Next()
		if c.Writer.Written() || c.Writer.Status() >= http.StatusMultipleChoices {
			return
		}
		for _, k := range [...]string{"X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Strict-Transport-Security", "Pragma"} {
			delete(h, k)
		}
	}
}

type refOriginal struct {
	method string
	url    *url.URL
	host   string
	path   string
}

func refOriginalFromNginx(r *http.Request) (*refOriginal, bool) {
	u, err := url.Parse(header(r.Header, "X-Original-Url"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, false
	}
	m := header(r.Header, "X-Original-Method")
	if m == "" {
		m = http.MethodGet
	}
	return refNewOriginal(m, u)
}

func refOriginalFromForwarded(r *http.Request) (*refOriginal, bool) {
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
	return refNewOriginal(m, u)
}

func refNewOriginal(method string, u *url.URL) (*refOriginal, bool) {
	if strings.Contains(strings.ToLower(u.EscapedPath()), "%2f") || strings.ContainsAny(u.Path, "\\\x00") {
		return nil, false
	}
	return &refOriginal{method: strings.ToUpper(method), url: u, host: normalizeHost(u.Host), path: cleanPath(u.Path)}, true
}

func refCurrentUser(s *Server, c *gin.Context) (*auth.Session, *auth.User, error) {
	var sess *auth.Session
	var err error
	if id := s.cookieValue(c.Request); id != "" {
		sess, err = s.sessions.Load(c.Request.Context(), id)
		if errors.Is(err, auth.ErrSessionNotFound) {
			sess, err = nil, nil
		}
	}
	if err != nil || sess == nil || !sess.Authenticated() {
		return sess, nil, err
	}
	u, err := s.users.Lookup(c.Request.Context(), sess.User)
	if errors.Is(err, auth.ErrUserNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if u.Disabled || u.Username != sess.User || sess.Gen != u.Generation {
		return nil, nil, nil // signed out (docs/contract.md, "Sessions end when credentials change")
	}
	return sess, u, nil
}

func refAuthorize(s *Server, c *gin.Context, read func(*http.Request) (*refOriginal, bool), redirect bool) {
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
	if o.host == normalizeHost(s.publicURL.Host) && pathHasPrefix(o.path, s.prefix) {
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
	sess, u, err := refCurrentUser(s, c)
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
			login := strings.TrimSuffix(s.publicURL.String(), "/") + s.prefix + "/login?rd=" + url.QueryEscape(o.url.String())
			if redirect {
				c.Redirect(http.StatusFound, login)
				c.Abort()
				return
			}
			c.Header("Location", login)
		}
		s.apiFail(c, d.loginError())
	}
}
