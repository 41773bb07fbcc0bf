package gateway

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// otpInfo is what a client is told about a code that was sent.
type otpInfo struct {
	To        string `json:"to"`
	ExpiresIn int    `json:"expires_in"`
	ResendIn  int    `json:"resend_in"`
}

// purposeLogin marks codes sent to finish a login or step-up.
const purposeLogin = "login"

// targetRoute returns the route a login is for: that of rd (already
// validated), or else of the request's own host.
func (s *Server) targetRoute(c *gin.Context, rd string) *route {
	host, p := normalizeHost(c.Request.Host), "/"
	if rd != "" {
		if u, err := url.Parse(rd); err == nil {
			if u.Host != "" {
				host = normalizeHost(u.Host)
			}
			if u.Path != "" {
				p = u.EscapedPath()
			}
		}
	}
	rp, err := readPath(p)
	if err != nil {
		return nil // the front door refuses it anyway
	}
	rt, _, err := s.routes().resolve(host, &rp, "GET")
	if err != nil {
		return nil
	}
	return rt
}

// codeNeeded reports whether, after the proofs in sess, user must still
// prove sms for the target route (or because of force_two_factor).
func (s *Server) codeNeeded(sess *auth.Session, u *auth.User, rt *route) bool {
	policy := PolicyPassword
	var maxAge time.Duration
	if rt != nil {
		policy, maxAge = rt.policy, rt.maxAuthAge
	}
	var notBefore time.Time
	if maxAge > 0 {
		notBefore = s.now().Add(-maxAge)
	}
	for _, m := range requiredMethods(policy, u) {
		if m == auth.MethodSMS && !sess.Has(auth.MethodSMS, notBefore) {
			return true
		}
	}
	return false
}

// ensureSession returns the request's session (for step-up) or a new one.
func (s *Server) ensureSession(c *gin.Context) (*auth.Session, error) {
	sess, err := s.loadSession(c)
	if err != nil {
		return nil, err
	}
	if sess != nil {
		return sess, nil
	}
	return s.sessions.New()
}

// passwordLogin checks the password and signs in with {pwd}; when the
// target route needs a code, it sends one and returns its info. Bans and
// failures count against the account the login resolves to, however it
// was spelled (docs/contract.md, "Regulation").
func (s *Server) passwordLogin(c *gin.Context, login, password string, remember bool, rd string) (_ *auth.Session, _ *otpInfo, err error) {
	ctx := c.Request.Context()
	defer s.slowRefusal(ctx, s.now(), &err)
	u, subject, err := auth.ResolveLogin(ctx, s.users, login, s.region)
	if err != nil {
		return nil, nil, err
	}
	if err := s.checkBan(c, subject); err != nil {
		return nil, nil, err
	}
	u, err = s.authn.VerifyUser(ctx, u, password)
	if err != nil {
		if errors.Is(err, auth.ErrInvalidCredentials) {
			s.audit(c, "login_failed", "", "", "reason", "invalid_credentials")
			s.metrics.logins.WithLabelValues("failed").Inc()
			if rerr := s.recordFailure(c, subject); rerr != nil {
				return nil, nil, rerr
			}
		}
		return nil, nil, err
	}
	if s.reg != nil {
		if err := s.reg.Succeed(ctx, subject); err != nil {
			return nil, nil, err
		}
	}
	sess, err := s.ensureSession(c)
	if err != nil {
		return nil, nil, err
	}
	s.cancelPending(ctx, sess)
	sess.IP, sess.Agent = c.ClientIP(), truncate(c.Request.UserAgent(), 200)
	if err := s.sessions.AddProof(ctx, sess, u, auth.MethodPassword, remember); err != nil {
		return nil, nil, err
	}
	s.metrics.logins.WithLabelValues("password").Inc()
	if !s.codeNeeded(sess, u, s.targetRoute(c, rd)) {
		if err := s.signedIn(ctx, u.Username); err != nil {
			return nil, nil, err
		}
		s.audit(c, "login_succeeded", u.Username, "", "methods", "pwd")
		return sess, nil, nil
	}
	info, err := s.startCode(c, sess, u.Username, u.Phone, remember, purposeLogin)
	return sess, info, err
}

// startCode sends a code to phone for user and records it as pending in
// sess (saved). The session is saved even when sending fails, so the
// password proof is not lost and the person can ask again.
func (s *Server) startCode(c *gin.Context, sess *auth.Session, user, phone string, remember bool, purpose string) (*otpInfo, error) {
	ctx := c.Request.Context()
	ch, err := s.otp.Start(ctx, user, phone, purpose)
	if err != nil {
		s.audit(c, "otp_send_failed", user, phone, "reason", classify(err).Code)
		if serr := s.sessions.Save(ctx, sess); serr != nil {
			return nil, serr
		}
		return nil, err
	}
	sess.Pending = &auth.Pending{User: user, Challenge: ch.ID, Purpose: purpose, Remember: remember, Phone: phone}
	if err := s.sessions.Save(ctx, sess); err != nil {
		s.otp.Cancel(ctx, ch.ID)
		return nil, err
	}
	s.audit(c, "otp_sent", user, phone)
	s.metrics.otp.WithLabelValues("sent").Inc()
	return s.otpInfoFor(ch), nil
}

func (s *Server) otpInfoFor(ch *auth.Challenge) *otpInfo {
	return &otpInfo{
		To:        auth.MaskPhone(ch.Phone),
		ExpiresIn: int(ch.ExpiresAt().Sub(s.now()).Round(time.Second) / time.Second),
		ResendIn:  int((s.otp.ResendIn(ch) + time.Second - 1) / time.Second),
	}
}

// verifyCode checks code against the session's pending challenge and, on
// success, adds the sms proof and rotates the session id.
func (s *Server) verifyCode(c *gin.Context, code string) (*auth.Session, error) {
	ctx := c.Request.Context()
	sess, err := s.loadSession(c)
	if err != nil {
		return nil, err
	}
	if sess == nil || sess.Pending == nil {
		return nil, auth.ErrNoChallenge
	}
	// A decoy (unknown number) counts against the number, as the account
	// would: bans must not tell them apart.
	subject := auth.Subject(sess.Pending.User, sess.Pending.Phone, s.region)
	if err := s.checkBan(c, subject); err != nil {
		return nil, err
	}
	ch, err := s.otp.Verify(ctx, sess.Pending.Challenge, normalizeCode(code))
	switch {
	case err == nil:
	case errors.Is(err, auth.ErrOTPInvalid), errors.Is(err, auth.ErrOTPExpired):
		s.audit(c, "otp_failed", sess.Pending.User, "", "reason", classify(err).Code)
		s.metrics.otp.WithLabelValues("failed").Inc()
		if errors.Is(err, auth.ErrOTPInvalid) {
			if rerr := s.recordFailure(c, subject); rerr != nil {
				return nil, rerr
			}
		}
		return nil, err
	default:
		return nil, err
	}
	if ch.User == "" || ch.User != sess.Pending.User {
		// A decoy challenge (unknown phone): never signs anyone in.
		return nil, auth.ErrOTPInvalid
	}
	remember, purpose := sess.Pending.Remember, sess.Pending.Purpose
	sess.Pending = nil
	var u *auth.User
	if purpose == purposeSignup {
		u, err = s.finishSignup(c, sess, ch)
	} else {
		u, err = s.users.Lookup(ctx, ch.User)
	}
	switch {
	case errors.Is(err, auth.ErrUserNotFound):
		return nil, auth.ErrOTPInvalid // the account went away meanwhile
	case err != nil:
		return nil, err
	case u.Disabled:
		return nil, auth.ErrOTPInvalid
	}
	// Under the account's credential generation now: if it changed since
	// the password step, that proof is dropped (docs/contract.md,
	// "Sessions end when credentials change").
	if err := s.sessions.AddProof(ctx, sess, u, auth.MethodSMS, remember); err != nil {
		return nil, err
	}
	if err := s.signedIn(ctx, ch.User); err != nil {
		return nil, err
	}
	s.audit(c, "otp_verified", ch.User, ch.Phone)
	s.audit(c, "login_succeeded", ch.User, ch.Phone, "methods", strings.Join(sess.Methods(), ","))
	s.metrics.otp.WithLabelValues("verified").Inc()
	return sess, nil
}

// resendCode sends a new code for the pending login (a fresh challenge if
// the old one died), or starts a step-up for a signed-in session.
func (s *Server) resendCode(c *gin.Context) (*auth.Session, *otpInfo, error) {
	ctx := c.Request.Context()
	sess, u, err := s.currentUser(c)
	if err != nil {
		return nil, nil, err
	}
	if sess == nil {
		return nil, nil, auth.ErrNoChallenge
	}
	if p := sess.Pending; p != nil {
		ch, err := s.otp.Resend(ctx, p.Challenge)
		if err == nil {
			p.Challenge = ch.ID
			if err := s.sessions.Save(ctx, sess); err != nil {
				return nil, nil, err
			}
			if ch.User != "" {
				s.audit(c, "otp_sent", ch.User, ch.Phone, "resend", "true")
				s.metrics.otp.WithLabelValues("sent").Inc()
			}
			return sess, s.otpInfoFor(ch), nil
		}
		if !errors.Is(err, auth.ErrOTPExpired) {
			return nil, nil, err
		}
		// The challenge died (expired or out of attempts): start over for
		// the same person.
		sess.Pending = nil
		if p.User == "" {
			return s.startDecoy(c, sess, p.Phone, p.Remember)
		}
		var pu *auth.User
		if p.Purpose == purposeSignup && s.registry != nil {
			pu, err = s.registry.Pending(ctx, p.User)
		} else {
			pu, err = s.users.Lookup(ctx, p.User)
		}
		if err != nil {
			return nil, nil, err
		}
		info, err := s.startCode(c, sess, pu.Username, pu.Phone, p.Remember, p.Purpose)
		return sess, info, err
	}
	if u == nil {
		return nil, nil, auth.ErrNoChallenge
	}
	info, err := s.startCode(c, sess, u.Username, u.Phone, sess.Remember, purposeLogin)
	return sess, info, err
}

// smsStart begins a passwordless login for phone. Unknown numbers get the
// same answer and a decoy challenge that can never succeed; no SMS is sent
// to them.
func (s *Server) smsStart(c *gin.Context, phone string, remember bool) (*auth.Session, *otpInfo, error) {
	ctx := c.Request.Context()
	e164, err := auth.NormalizePhone(phone, s.region)
	if err != nil {
		return nil, nil, err
	}
	sess, err := s.ensureSession(c)
	if err != nil {
		return nil, nil, err
	}
	s.cancelPending(ctx, sess)
	sess.IP, sess.Agent = c.ClientIP(), truncate(c.Request.UserAgent(), 200)
	u, err := s.users.Lookup(ctx, e164)
	if err != nil && !errors.Is(err, auth.ErrUserNotFound) {
		return nil, nil, err
	}
	if u == nil || u.Disabled || u.Phone != e164 {
		return s.startDecoy(c, sess, e164, remember)
	}
	info, err := s.startCode(c, sess, u.Username, u.Phone, remember, purposeLogin)
	return sess, info, err
}

// startDecoy records a challenge for an unknown phone that looks and
// counts like a real one but sends nothing and can never succeed.
func (s *Server) startDecoy(c *gin.Context, sess *auth.Session, phone string, remember bool) (*auth.Session, *otpInfo, error) {
	ctx := c.Request.Context()
	ch, err := s.otp.StartDecoy(ctx, phone, purposeLogin)
	if err != nil {
		return nil, nil, err
	}
	sess.Pending = &auth.Pending{Challenge: ch.ID, Purpose: purposeLogin, Remember: remember, Phone: phone}
	if err := s.sessions.Save(ctx, sess); err != nil {
		return nil, nil, err
	}
	return sess, s.otpInfoFor(ch), nil
}

// logout deletes the session everywhere and any pending code.
func (s *Server) logout(c *gin.Context) error {
	ctx := c.Request.Context()
	sess, err := s.loadSession(c)
	if err != nil {
		return err
	}
	s.clearSessionCookie(c)
	// The browser drops what it cached of this origin, so Back cannot
	// show the signed-out person's pages (docs/contract.md).
	c.Writer.Header()["Clear-Site-Data"] = valClearCache
	if sess == nil {
		return nil
	}
	s.cancelPending(ctx, sess)
	if err := s.sessions.Delete(ctx, sess.ID); err != nil {
		return err
	}
	s.audit(c, "logout", sess.User, "")
	return nil
}

func (s *Server) cancelPending(ctx context.Context, sess *auth.Session) {
	if sess.Pending != nil {
		s.otp.Cancel(ctx, sess.Pending.Challenge)
		sess.Pending = nil
	}
}

// audit writes an audit event: user, masked phone and client IP, never a
// secret.
func (s *Server) audit(c *gin.Context, event, user, phone string, kv ...any) {
	args := []any{"event", event, "user", user, "ip", c.ClientIP()}
	if phone != "" {
		args = append(args, "phone", auth.MaskPhone(phone))
	}
	if id, ok := c.Request.Context().Value(requestIDKey).(string); ok {
		args = append(args, "request_id", id)
	}
	s.log.InfoContext(c.Request.Context(), "audit", append(args, kv...)...)
	s.metrics.auditEvent(event, auditReason(kv))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// normalizeCode drops spaces and dashes people type or paste in codes.
func normalizeCode(code string) string {
	out := make([]byte, 0, len(code))
	for i := 0; i < len(code); i++ {
		if c := code[i]; c != ' ' && c != '-' && c != '\t' {
			out = append(out, c)
		}
	}
	return string(out)
}
