package gateway

import (
	"context"
	"fmt"

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
	args := []any{"event", e.Name, "class", auth.AuditClassOf(e), "user", e.User, "ip", ip}
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
	s.keepAudit(ctx, ip, e, kv)
}

// keepAudit appends the event to the kept audit trail (docs/contract.md,
// "Audit trail"). A store that fails loses the record, never the request:
// the log line above has it.
func (s *core) keepAudit(ctx context.Context, ip string, e auth.Event, kv []any) {
	if s.auditLog == nil {
		return
	}
	r := auth.AuditRecord{Event: e.Name, User: e.User, IP: ip, Class: auth.AuditClassOf(e)}
	if e.Phone != "" {
		r.Phone = auth.MaskPhone(e.Phone)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			continue
		}
		v := fmt.Sprint(kv[i+1])
		if k == "actor" {
			r.Actor = v
			continue
		}
		if r.Attrs == nil {
			r.Attrs = map[string]string{}
		}
		r.Attrs[k] = v
	}
	if err := s.auditLog.Append(context.WithoutCancel(ctx), r); err != nil {
		s.log.WarnContext(ctx, "audit trail: event not kept", "event", e.Name, "error", err)
	}
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
