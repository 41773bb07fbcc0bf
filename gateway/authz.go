package gateway

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// The forward-auth targets answer once for every request a front door
// lets through, so they skip gin's global middleware (buildEngine
// registers them before it) and serveAuthz does its work, with the same
// effect for less:
//
//   - the request id is chosen as requestID chooses it and sent in
//     X-Request-Id, but the request is not copied to carry it in its
//     context: the check passes its own context (requestCtx) to the store
//     and the user backend, and attaches it to the request only when it
//     refuses, before anything that may log;
//   - identity headers are stripped from the request first, as
//     stripIdentity does;
//   - a panic is answered and logged as recoverer does;
//   - the access line is accessLog's, allowed checks at debug level (the
//     front door that asked logs the request);
//   - the browser security headers and Pragma are set on refusals only,
//     instead of on every answer and then deleted from allowed ones (they
//     are for browsers, and only the front door reads an allowed answer):
//     an allowed answer's header map stays small (eight entries with the
//     default identity headers), so it never grows, and net/http's copy
//     of it in WriteHeader is cheaper.
//
// TestAuthzMatchesReference holds it to the gin chain it replaced.

// authzCheck is one forward-auth check's state, in one allocation: the
// context its calls and log lines use, and the backing arrays of the
// response header values it sets.
type authzCheck struct {
	ctx     requestCtx
	trusted bool // the direct peer is a trusted proxy
	id      [1]string
	values  [numIdentityHeaders]string
}

// serveAuthz serves a forward-auth target: read reads the original
// request from the front door's headers, redirect is authorize's.
func (s *Server) serveAuthz(c *gin.Context, read func(*http.Request) (original, error), redirect bool) {
	r := c.Request
	ck := &authzCheck{trusted: s.peerTrusted(r)}
	ck.ctx = requestCtx{Context: r.Context(), id: requestIDFor(r, func(*http.Request) bool { return ck.trusted })}
	ck.id[0] = ck.ctx.id
	r.Header["X-Request-Id"] = ck.id[:]
	c.Writer.Header()["X-Request-Id"] = ck.id[:]
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler && !c.Writer.Written() {
				s.refusing(c, ck) // a 500 is a refusal: browser headers, no-store
			}
			s.recovered(c, &ck.ctx, v)
		}
	}()

	logged := s.log.Enabled(&ck.ctx, slog.LevelInfo)
	var start time.Time
	if logged {
		start = time.Now()
	}
	s.headers.strip(r.Header)
	s.authorize(c, ck, read, redirect)
	if !logged {
		return
	}
	level := slog.LevelInfo
	if c.Writer.Status() < http.StatusMultipleChoices {
		level = slog.LevelDebug
		if !s.log.Enabled(&ck.ctx, level) {
			return
		}
	}
	s.logRequest(c, &ck.ctx, level, start)
}
