package gateway

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// audit writes an audit event of c's request (docs/contract.md, "Logs
// and audit"): user, masked phone and client IP, never a secret.
func (s *core) audit(c *gin.Context, event, user, phone string, kv ...any) {
	s.auditEvent(c.Request.Context(), s.clientIP(c), auth.Event{Name: event, User: user, Phone: phone, Attrs: kv})
}

// auditWritten audits an administrator's change of an account once it is
// written, whatever its follow-ups (ending sessions, a set-password link)
// met: err, when one failed, is the record's reason (docs/contract.md,
// "Audit trail": a change is on the trail once it is written).
func (s *core) auditWritten(c *gin.Context, event, user, phone string, err error, kv ...any) {
	s.auditEvent(c.Request.Context(), s.clientIP(c), auth.Event{Name: event, User: user, Phone: phone, Attrs: kv, Err: err})
}

// auditEvent logs e for a client at ip, keeps it and counts it; an event
// about an error names it by the code clients see for it (the error
// table). An event like one just recorded, or of an account past its
// share of the history (not an administrator's), is counted only: its
// window's summary will say how many there were (docs/contract.md,
// "Audit trail").
func (s *core) auditEvent(ctx context.Context, ip string, e auth.Event) {
	kv := e.Attrs
	if e.Err != nil {
		kv = append([]any{"reason", classify(e.Err).Code}, kv...)
	}
	s.metrics.auditEvent(e.Name, auditReason(kv))
	r := auditRecord(ip, e, kv)
	if !s.repeats.Fold(&r, RequestID(ctx)) {
		args := []any{"event", e.Name, "class", r.Class, "user", e.User, "ip", ip}
		if e.Phone != "" {
			args = append(args, "phone", r.Phone)
		}
		if id := RequestID(ctx); id != "" {
			args = append(args, "request_id", id)
		}
		s.log.InfoContext(ctx, "audit", append(args, kv...)...)
		s.keepAudit(ctx, r)
	}
	s.writeRepeats(ctx, s.repeats.Due())
}

// auditRecord is the kept record of e, of a client at ip, with the
// attributes kv.
func auditRecord(ip string, e auth.Event, kv []any) auth.AuditRecord {
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
	return r
}

// writeRepeats logs and keeps the summaries of windows of repeated
// events (the first event again, with how many followed it) and of
// accounts past their share (auth.AuditShareEvent): repeats, the first
// and last of them, and the request id of the last.
func (s *core) writeRepeats(ctx context.Context, sums []auth.AuditSummary) {
	for _, sum := range sums {
		r := sum.Record
		args := []any{"event", r.Event, "class", r.Class, "user", r.User, "ip", r.IP}
		if r.Phone != "" {
			args = append(args, "phone", r.Phone) // masked
		}
		if sum.RequestID != "" {
			args = append(args, "request_id", sum.RequestID)
		}
		if r.Actor != "" {
			args = append(args, "actor", r.Actor)
		}
		for _, k := range slices.Sorted(maps.Keys(r.Attrs)) {
			args = append(args, k, r.Attrs[k])
		}
		// Not the context's request: the summary stands for others.
		s.log.Info("audit", args...)
		s.keepAudit(ctx, r)
	}
}

// keepAudit appends r to the kept audit trail (docs/contract.md, "Audit
// trail"). A store that fails loses the record, never the request: the
// log line has it.
func (s *core) keepAudit(ctx context.Context, r auth.AuditRecord) {
	if s.auditLog == nil {
		return
	}
	if err := s.auditLog.Append(context.WithoutCancel(ctx), r); err != nil {
		s.log.WarnContext(ctx, "audit trail: event not kept", "event", r.Event, "error", err)
	}
}

// Run does the gateway's background work until ctx ends: it writes the
// summaries of repeated events, and of accounts past their share of the
// history, as their windows end (having first recorded what changed in
// the users file since it was last recorded), and when ctx ends, those of the
// windows still open; events are then recorded as they come
// (docs/contract.md, "Audit trail"). cmd/gatehouse runs it for each
// generation and waits for it to return before the next takes over or
// the process ends.
func (s *Server) Run(ctx context.Context) {
	if n, ok := s.users.(auth.ChangeNotifier); ok {
		// What changed in the users file while no gateway ran
		// (docs/contract.md, "users.yaml (file backend)").
		s.admin.recordUsersChange(ctx, n.Reading())
	}
	a := s.cfg.Audit
	w := a.RepeatWindow
	if a.AccountShare.Events > 0 && a.AccountShare.Window > 0 && (w <= 0 || a.AccountShare.Window < w) {
		w = a.AccountShare.Window
	}
	if w <= 0 {
		return
	}
	tick := time.NewTicker(min(max(w/4, time.Second), 15*time.Second))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			s.writeRepeats(context.WithoutCancel(ctx), s.repeats.Close())
			return
		case <-tick.C:
			s.writeRepeats(ctx, s.repeats.Due())
		}
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
