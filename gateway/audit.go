package gateway

import (
	"context"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// audit writes an audit event of c's request (docs/contract.md, "Logs
// and audit"): user, masked phone and client IP, never a secret.
func (s *core) audit(c *gin.Context, event, user, phone string, kv ...any) {
	s.auditEvent(c.Request.Context(), c.ClientIP(), auth.Event{Name: event, User: user, Phone: phone, Attrs: kv})
}

// auditEvent logs e for a client at ip and counts it; an event about an
// error names it by the code clients see for it (the error table).
func (s *core) auditEvent(ctx context.Context, ip string, e auth.Event) {
	args := []any{"event", e.Name, "user", e.User, "ip", ip}
	if e.Phone != "" {
		args = append(args, "phone", auth.MaskPhone(e.Phone))
	}
	if id := RequestID(ctx); id != "" {
		args = append(args, "request_id", id)
	}
	kv := e.Attrs
	if e.Err != nil {
		kv = append([]any{"reason", classify(e.Err).Code}, kv...)
	}
	s.log.InfoContext(ctx, "audit", append(args, kv...)...)
	s.metrics.auditEvent(e.Name, auditReason(kv))
}

// loginObserver gives the login service's events and counts to the
// gateway's log and metrics.
type loginObserver struct{ s *core }

var _ auth.Observer = loginObserver{}

// Audit implements auth.Observer.
func (o loginObserver) Audit(ctx context.Context, c auth.Client, e auth.Event) {
	o.s.auditEvent(ctx, c.IP, e)
}

// Password implements auth.Observer.
func (o loginObserver) Password(result string) { o.s.metrics.logins.WithLabelValues(result).Inc() }

// Code implements auth.Observer.
func (o loginObserver) Code(event string) { o.s.metrics.otp.WithLabelValues(event).Inc() }

// Ban implements auth.Observer.
func (o loginObserver) Ban() { o.s.metrics.bans.Inc() }
