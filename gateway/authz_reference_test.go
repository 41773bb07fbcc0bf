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

// The reference reads originals with the production readers: what it
// holds the lean chain to is the chain around them.
func refOriginalFromNginx(r *http.Request) (original, error)     { return originalFromNginx(r) }
func refOriginalFromForwarded(r *http.Request) (original, error) { return originalFromForwarded(r) }

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
		return sess, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if u.Disabled || u.Username != sess.User {
		return sess, nil, nil
	}
	return sess, u, nil
}

func refAuthorize(s *Server, c *gin.Context, read func(*http.Request) (original, error), redirect bool) {
	noStore(c)
	if !s.peerTrusted(c.Request) {
		s.metrics.requests.WithLabelValues("", "untrusted_peer").Inc()
		s.apiFail(c, errUnauthenticated)
		return
	}
	o, err := read(c.Request)
	portal := false
	if err == nil {
		portal, err = o.path.under(s.prefix)
		portal = portal && o.host == normalizeHost(s.publicURL.Host)
	}
	var rt *route
	var bypassed bool
	if err == nil && !portal {
		rt, bypassed, err = s.routes().resolve(o.host, &o.path, o.method)
	}
	if err != nil {
		if errors.Is(err, errBadPath) {
			s.metrics.requests.WithLabelValues("", "bad_path").Inc()
			if !redirect {
				err = errBadPathSubrequest
			}
		}
		s.apiFail(c, err)
		return
	}
	if portal {
		s.metrics.requests.WithLabelValues("", "portal").Inc()
		s.headers.set(c.Writer.Header(), identity{}, true)
		c.Status(http.StatusOK)
		return
	}
	if rt == nil {
		s.metrics.noRoute.Inc()
		s.apiFail(c, errForbidden)
		return
	}
	if bypassed {
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
			login := strings.TrimSuffix(s.publicURL.String(), "/") + s.prefix + "/login?rd=" + url.QueryEscape(o.URL())
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
