package gateway

import (
	"context"
	"io"
	"log/slog"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// RequestID returns the id of the request ctx belongs to (the value of
// X-Request-Id, which upstreams receive too), or "".
func RequestID(ctx context.Context) string {
	if c, ok := ctx.Value(requestIDKey).(*requestIDContext); ok {
		return c.id[0]
	}
	return ""
}

// requestIDHandler adds request_id to every record logged with the
// context of a request, unless the record already has one.
type requestIDHandler struct {
	slog.Handler
}

// NewLogHandler wraps h so that every record logged with a request's
// context (the *Context logging calls) carries its request_id, the id
// upstreams receive in X-Request-Id: any log line about a request can be
// matched with the access log line and with the upstream's own logs.
func NewLogHandler(h slog.Handler) slog.Handler {
	return requestIDHandler{Handler: h}
}

// Handle implements slog.Handler.
func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" && !hasAttr(r, "request_id") {
		r = r.Clone()
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{Handler: h.Handler.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{Handler: h.Handler.WithGroup(name)}
}

func hasAttr(r slog.Record, key string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == key
		return !found
	})
	return found
}

// NewLogWriter wraps w, where a JSON log handler writes its lines, so
// that each line holds only characters a terminal shows
// (auth.ShownJSON): a path, a name or an agent a client chose reaches
// whoever reads the logs on a terminal with its controls as \u escapes,
// the same JSON value (docs/contract.md, "Logs and audit"). A handler
// writes each line in one Write, as log/slog's do.
func NewLogWriter(w io.Writer) io.Writer { return logWriter{w} }

type logWriter struct{ w io.Writer }

// Write implements io.Writer.
func (l logWriter) Write(p []byte) (int, error) {
	if _, err := l.w.Write(auth.ShownJSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
