package gateway

import (
	"context"
	"errors"
	"strings"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// Regulation in the flows (docs/contract.md, "Regulation"): every failed
// password or code counts against its auth.Subject and the client, whose
// ban and lock are checked before the password or code is looked at.

// checkBan refuses a banned or locked subject (auth.Subject) or a banned
// client (429 + Retry-After), before any password or code is looked at.
func (s *Server) checkBan(c *gin.Context, subject string) error {
	if s.reg == nil {
		return nil
	}
	err := s.reg.Check(c.Request.Context(), subject, c.ClientIP())
	var rl *auth.RateLimitError
	if errors.As(err, &rl) && rl.Banned {
		s.audit(c, "login_failed", auditSubject(subject), "", "reason", rl.Reason)
	}
	return err
}

// recordFailure counts a failed password or code against subject and the
// client, and audits a new ban or lock.
func (s *Server) recordFailure(c *gin.Context, subject string) error {
	if s.reg == nil {
		return nil
	}
	p, err := s.reg.Fail(c.Request.Context(), subject, c.ClientIP())
	if p.Banned {
		s.audit(c, "banned", auditSubject(subject), "")
		s.metrics.bans.Inc()
	}
	if p.Locked {
		s.audit(c, "banned", auditSubject(subject), "", "reason", auth.ReasonLocked)
		s.metrics.bans.Inc()
	}
	return err
}

// auditSubject is a regulation subject fit for the logs: the subject of
// an unknown phone number is the number, which is masked like any other.
func auditSubject(subject string) string {
	if strings.HasPrefix(subject, "+") && auth.LooksLikePhone(subject) {
		return auth.MaskPhone(subject)
	}
	return subject
}

// signedIn tells regulation that user completed a sign-in: the failures
// against the account are forgotten, its run towards a lock included.
func (s *Server) signedIn(ctx context.Context, user string) error {
	if s.reg == nil {
		return nil
	}
	return s.reg.SignedIn(ctx, user)
}
