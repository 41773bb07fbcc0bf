package gateway

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// Code purposes besides login.
const (
	purposeSignup      = "signup"
	purposeReset       = "reset"
	purposePhoneChange = "phone_change"
)

var (
	errResetUnavailable   = errors.New("password reset needs the redis user backend")
	errAccountUnavailable = errors.New("account changes need the redis user backend")
)

// Hasher makes password hashes for new passwords.
type Hasher interface {
	Hash(ctx context.Context, password string) (string, error)
}

// signup reserves a new account and sends a code to its phone; the
// account becomes active when the code is verified with the same cookie.
func (s *Server) signup(c *gin.Context, in auth.NewAccount) (*auth.Session, *otpInfo, error) {
	ctx := c.Request.Context()
	if !s.cfg.Users.Signup.Enabled || s.registry == nil {
		return nil, nil, errSignupDisabled
	}
	u, err := auth.ValidateAccount(in, s.policy, s.region)
	if err != nil {
		return nil, nil, err
	}
	if u.PasswordHash, err = s.hasher.Hash(ctx, in.Password); err != nil {
		return nil, nil, err
	}
	// The reservation outlives a few resends; unverified, it expires.
	if err := s.registry.Reserve(ctx, u, 3*s.cfg.OTP.TTL); err != nil {
		return nil, nil, err
	}
	sess, err := s.ensureSession(c)
	if err != nil {
		_ = s.registry.Release(context.WithoutCancel(ctx), u.Username)
		return nil, nil, err
	}
	s.cancelPending(ctx, sess)
	sess.IP, sess.Agent = c.ClientIP(), truncate(c.Request.UserAgent(), 200)
	info, err := s.startCode(c, sess, u.Username, u.Phone, false, purposeSignup)
	if err != nil {
		_ = s.registry.Release(context.WithoutCancel(ctx), u.Username)
		return nil, nil, err
	}
	return sess, info, nil
}

// finishSignup activates the account whose code was just verified,
// records its password proof (the sms proof follows in verifyCode) and
// returns the account.
func (s *Server) finishSignup(c *gin.Context, sess *auth.Session, ch *auth.Challenge) (*auth.User, error) {
	ctx := c.Request.Context()
	if s.registry == nil {
		return nil, errSignupDisabled
	}
	if err := s.registry.Activate(ctx, ch.User); err != nil {
		return nil, err
	}
	s.audit(c, "signup", ch.User, ch.Phone)
	u, err := s.users.Lookup(ctx, ch.User)
	if err != nil {
		return nil, err
	}
	return u, s.sessions.AddProof(ctx, sess, u, auth.MethodPassword, false)
}

// resetKey names the pending reset of a login: by its regulation subject
// (auth.Subject), so that every spelling of one account, or of one
// unknown name, is one pending reset, and both behave alike.
func resetKey(subject string) string { return "reset:" + subject }

// resetStart sends a reset code to the account's phone. Unknown accounts
// get the same answer and a decoy that sends nothing.
func (s *Server) resetStart(c *gin.Context, login string) error {
	ctx := c.Request.Context()
	if s.registry == nil {
		return errResetUnavailable
	}
	login = strings.TrimSpace(login)
	if login == "" {
		return auth.FieldProblem("username", "field.username.required", "Enter your username, email or phone number.")
	}
	u, subject, err := auth.ResolveLogin(ctx, s.users, login, s.region)
	if err != nil {
		return err
	}
	var ch *auth.Challenge
	if u != nil && !u.Disabled && u.Phone != "" {
		ch, err = s.otp.Start(ctx, u.Username, u.Phone, purposeReset)
		if err == nil {
			s.audit(c, "otp_sent", u.Username, u.Phone, "purpose", purposeReset)
		}
	} else {
		ch, err = s.otp.StartDecoy(ctx, "reset:"+subject, purposeReset)
	}
	if err != nil {
		return err
	}
	return s.kv.Set(ctx, resetKey(subject), []byte(ch.ID), s.cfg.OTP.TTL)
}

// resetFinish checks the code and sets the new password, ending every
// other session of the account.
func (s *Server) resetFinish(c *gin.Context, login, code, password string) error {
	ctx := c.Request.Context()
	if s.registry == nil {
		return errResetUnavailable
	}
	login = strings.TrimSpace(login)
	u, subject, err := auth.ResolveLogin(ctx, s.users, login, s.region)
	if err != nil {
		return err
	}
	target := u
	if target == nil {
		target = &auth.User{Username: login}
	}
	if p := s.policy.Check(password, target); p.ID != "" {
		return &auth.InputError{Problems: map[string]auth.Problem{"password": p}}
	}
	if err := s.checkBan(c, subject); err != nil {
		return err
	}
	chID, err := s.kv.Get(ctx, resetKey(subject))
	if errors.Is(err, auth.ErrNotFound) {
		return auth.ErrOTPExpired
	}
	if err != nil {
		return err
	}
	ch, err := s.otp.Verify(ctx, string(chID), normalizeCode(code))
	if errors.Is(err, auth.ErrOTPInvalid) {
		if rerr := s.recordFailure(c, subject); rerr != nil {
			return rerr
		}
	}
	if err != nil {
		return err
	}
	if ch.User == "" || u == nil || ch.User != u.Username {
		return auth.ErrOTPInvalid
	}
	// The browser's own session, when it is a valid one of this account,
	// survives the reset (re-issued under the new credentials); every
	// other session ends.
	cur, err := s.loadSession(c)
	if err != nil {
		return err
	}
	if cur != nil && (!cur.Authenticated() || cur.User != u.Username || cur.Gen != u.Generation) {
		cur = nil
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	if err := s.registry.SetPassword(ctx, u.Username, hash); err != nil {
		return err
	}
	_, _ = s.kv.Delete(ctx, resetKey(subject))
	if err := s.signedIn(ctx, subject); err != nil {
		return err
	}
	keep := ""
	if cur != nil {
		if err := s.restamp(c, cur, u.Username); err != nil {
			return err
		}
		keep = cur.ID
	}
	n, err := s.sessions.RevokeUser(ctx, u.Username, keep)
	if err != nil {
		return err
	}
	s.audit(c, "password_reset", u.Username, u.Phone, "sessions_revoked", n)
	return nil
}

// apiSignup is POST /api/signup.
func (s *Server) apiSignup(c *gin.Context) {
	var req struct {
		Username string `json:"username"`
		Email    string `json:"email"`
		Password string `json:"password"`
		Phone    string `json:"phone"`
		Name     string `json:"name"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.apiFail(c, err)
		return
	}
	sess, info, err := s.signup(c, auth.NewAccount{Username: req.Username, Email: req.Email, Password: req.Password, Phone: req.Phone, Name: req.Name})
	if err != nil {
		s.apiFail(c, err)
		return
	}
	s.writeAuthResult(c, http.StatusCreated, sess, info)
}

// apiReset is POST /api/reset: {"username"} sends a code; {"username",
// "code","password"} sets the new password.
func (s *Server) apiReset(c *gin.Context) {
	var req struct {
		Username string `json:"username"`
		Email    string `json:"email"`
		Phone    string `json:"phone"`
		Code     string `json:"code"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.apiFail(c, err)
		return
	}
	login := firstNonEmpty(req.Username, req.Email, req.Phone)
	noStore(c)
	if req.Code == "" && req.Password == "" {
		if err := s.resetStart(c, login); err != nil {
			s.apiFail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "code_sent", "expires_in": int(s.cfg.OTP.TTL.Seconds())})
		return
	}
	if err := s.resetFinish(c, login, req.Code, req.Password); err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "password_reset"})
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
