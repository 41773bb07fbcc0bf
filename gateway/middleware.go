package gateway

// The middleware of the gin engine every surface sits behind (buildEngine)
// and its helpers.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// recoverer turns a panic into a 500 without leaking anything.
func (s *core) recoverer(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			s.recovered(c, c.Request.Context(), v)
		}
	}()
	c.Next()
}

// recovered answers the panic v of c's handler: a 500 without details,
// unless the response is under way; the panic is logged with ctx.
// http.ErrAbortHandler panics on, for net/http to drop the connection.
func (s *core) recovered(c *gin.Context, ctx context.Context, v any) {
	// By identity, as net/http's own recover does: a wrapped
	// ErrAbortHandler would reach it as an ordinary panic (logged with a
	// stack), so it is answered here like any other.
	if v == http.ErrAbortHandler { //nolint:errorlint // v is a recovered panic value, which net/http matches by identity, not an error chain
		panic(v)
	}
	s.log.ErrorContext(ctx, "panic in handler", "panic", fmt.Sprint(v))
	if !c.Writer.Written() {
		s.setSecurityHeaders(c)
		noStore(c)
		e := classify(errors.New("panic"))
		s.metrics.serverError(e.Code)
		writeJSONError(c, e)
	}
}

// requestID keeps a sane incoming X-Request-Id from a trusted proxy or
// makes one, and puts it in the context and the response.
func (s *core) requestID(c *gin.Context) {
	rc := &requestIDContext{Context: c.Request.Context()}
	rc.id[0] = requestIDFor(c.Request, s.peerTrusted)
	v := rc.id[:] // length and capacity one: an Add allocates anew
	c.Request.Header[hdrRequestID] = v
	c.Writer.Header()[hdrRequestID] = v
	c.Request = c.Request.WithContext(rc)
	c.Next()
}

// requestIDContext is a request's context with its id (RequestID reads
// it). One allocation holds the context and the header value both
// X-Request-Id headers share, where context.WithValue would also box the
// string and the header need a slice of its own.
type requestIDContext struct {
	context.Context
	id [1]string
}

// requestIDValue is the X-Request-Id header value of the request ctx
// belongs to, shared and of capacity one (an Add allocates anew), or nil.
func requestIDValue(ctx context.Context) []string {
	if c, ok := ctx.Value(requestIDKey).(*requestIDContext); ok {
		return c.id[:]
	}
	return nil
}

// Value returns the requestIDContext itself for requestIDKey, and asks
// the parent for any other key.
func (c *requestIDContext) Value(key any) any {
	if key == requestIDKey {
		return c
	}
	return c.Context.Value(key)
}

// accessLog writes one structured line per request: never the query
// string, cookies or bodies, which can carry codes and tokens.
func (s *core) accessLog(c *gin.Context) {
	if !s.log.Enabled(c.Request.Context(), slog.LevelInfo) {
		c.Next()
		return
	}
	start := time.Now()
	watchUpgrade(c) // a WebSocket is logged as 101, when it ends
	defer func() {
		// An answer broken off (http.ErrAbortHandler: a stream cut by
		// its session's end or the client going away) has its line
		// too, marked incomplete; the panic goes on for net/http to
		// drop the connection.
		if v := recover(); v != nil {
			s.logRequest(c, c.Request.Context(), slog.LevelInfo, start, true)
			panic(v)
		}
	}()
	c.Next()
	level := slog.LevelInfo
	if c.Writer.Status() < http.StatusMultipleChoices && s.isAuthzTarget(c.FullPath()) {
		// An allowed forward-auth check: the front door that asked logs
		// the request.
		level = slog.LevelDebug
		if !s.log.Enabled(c.Request.Context(), level) {
			return // not built at all: the line's values cost a check
		}
	}
	s.logRequest(c, c.Request.Context(), level, start, false)
}

// logRequest writes the access log line of c's request, which started at
// start, at level with ctx; incomplete marks an answer broken off.
func (s *core) logRequest(c *gin.Context, ctx context.Context, level slog.Level, start time.Time, incomplete bool) {
	attrs := [...]slog.Attr{
		slog.String("request_id", RequestID(ctx)),
		slog.String("method", c.Request.Method),
		slog.String("host", c.Request.Host),
		slog.String("path", loggedPath(c.Request.URL.Path)),
		slog.Int("status", c.Writer.Status()),
		slog.String("duration", time.Since(start).String()), // text, like every logged duration
		slog.String("client_ip", s.clientIP(c)),
		slog.Bool("incomplete", true),
	}
	n := len(attrs) - 1
	if incomplete {
		n++
	}
	s.log.LogAttrs(ctx, level, "request", attrs[:n]...)
}

// checkHost refuses with 400 a request whose Host is no host[:port]
// (validHost): over HTTP/2 net/http takes any :authority but one with
// "@", and over HTTP/1.1 RFC 3986's sub-delimiters (docs/contract.md, "A
// host that is no host name"). Such a host would be matched against
// wildcard routes and sent to apps as X-Forwarded-Host.
func (s *core) checkHost(c *gin.Context) {
	if !validHost(c.Request.Host) {
		noStore(c)
		s.fail(c, errBadHost)
		return
	}
	c.Next()
}

// stripIdentity deletes client-sent identity headers before anything else
// looks at the request, on every path.
func (s *core) stripIdentity(c *gin.Context) {
	s.headers.strip(c.Request.Header)
	c.Next()
}

// securityHeaders are sent on every portal response (pages and API).
func (s *core) securityHeaders(c *gin.Context) {
	s.setSecurityHeaders(c)
	c.Next()
}

// setSecurityHeaders sets the headers of securityHeaders on c's response.
func (s *core) setSecurityHeaders(c *gin.Context) { s.securityHeadersOn(c.Writer.Header(), c.Request) }

// securityHeadersOn sets the headers of securityHeaders on h, the answer
// to r.
func (s *core) securityHeadersOn(h http.Header, r *http.Request) {
	h["X-Content-Type-Options"] = valNosniff
	h["Referrer-Policy"] = valNoReferrer
	h["X-Frame-Options"] = valDeny
	if s.requestIsHTTPS(r) {
		h["Strict-Transport-Security"] = s.hsts
	}
}

// requestIsHTTPS reports whether the client reached us over https: TLS
// here, or a trusted proxy saying so.
func (s *core) requestIsHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.peerTrusted(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// limitBody caps the body and rejects oversize declared lengths at once.
// A multipart body is refused unread: no page or API call of the portal
// sends one, and gin's PostForm would parse it into a header map, a part
// and a buffer per part, about 25 times the bytes sent, before anything
// looked at the request (docs/contract.md, "Request bodies").
func (s *core) limitBody(c *gin.Context) {
	if c.Request.ContentLength > maxFormBody {
		s.fail(c, errBodyTooLarge)
		return
	}
	if multipartBody(c.Request) {
		s.fail(c, errMultipart)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBody)
	// Read form bodies here: gin's PostForm drops the error of a body that
	// turns out too large (sent without Content-Length) and reads an empty
	// form. ParseForm leaves other bodies (JSON) unread.
	var mbe *http.MaxBytesError
	if err := c.Request.ParseForm(); errors.As(err, &mbe) {
		s.fail(c, errBodyTooLarge)
		return
	}
	c.Next()
}

// jsonContentType reports whether r's Content-Type is application/json,
// UTF-8 as JSON is (RFC 8259): no charset, or utf-8 in any case. A body
// labelled utf-16 or ibm037 would be decoded so by a reader that honours
// the label (a WAF), which sees noise where Gatehouse reads the bytes as
// UTF-8 (docs/contract.md, "JSON endpoints").
func jsonContentType(r *http.Request) bool {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

// multipartBody reports whether r's Content-Type names a multipart media
// type (any subtype, any case): what net/http's ParseMultipartForm reads.
func multipartBody(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return len(ct) >= len("multipart/") && strings.EqualFold(ct[:len("multipart/")], "multipart/")
}

// requireJSON refuses JSON endpoints posted as forms (a CSRF vector), and
// calls from another origin or an opaque one ("Origin: null": a sandboxed
// frame, a data: or file: page), which the portal's own script never
// makes: fetch sends its real origin.
func (s *core) requireJSON(c *gin.Context) { s.checkJSON(c, false) }

// requireJSONOrEmpty is requireJSON for the endpoints that need no input
// (resend, logout), which also take a POST with no body and no
// Content-Type (bodiless; docs/contract.md, "JSON API").
func (s *core) requireJSONOrEmpty(c *gin.Context) { s.checkJSON(c, true) }

// checkJSON is requireJSON, letting a bodiless POST through when empty
// says the endpoint takes one.
func (s *core) checkJSON(c *gin.Context, empty bool) {
	if s.foreignOrigin(c.Request) || opaqueOrigin(c.Request.Header) || otherSitesRequest(c.Request.Header) {
		s.apiFail(c, errForeignOrigin)
		return
	}
	if !jsonContentType(c.Request) && (!empty || !bodiless(c.Request)) {
		s.apiFail(c, errNeedJSON)
		return
	}
	c.Next()
}

// encodedQueryMark finds, in a decoded path, the '?' that was %3F in the
// request (or %253F, %25253F... encoded again on the way).
var encodedQueryMark = regexp.MustCompile(`\?|%(?:25)*3[fF]`)

// loggedPath is a request's decoded path as the logs show it: up to an
// encoded '?', which ends it with "?…". What follows was a query to
// whoever wrote the address (a set-password link whose '?' a mail filter
// re-encoded carries its token there), and the logs never hold a query
// (docs/contract.md, "Password reset pages" and GET/POST /reset).
func loggedPath(p string) string {
	if strings.IndexByte(p, '?') < 0 && strings.IndexByte(p, '%') < 0 {
		return p // the common path, without a regular expression
	}
	if loc := encodedQueryMark.FindStringIndex(p); loc != nil {
		return p[:loc[0]] + "?…"
	}
	return p
}
