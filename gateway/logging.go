package gateway

import (
	"context"
	"log/slog"
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
