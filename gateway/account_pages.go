package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// formError fills d with err for a page: message, field problems, status.
func (s *Server) formError(c *gin.Context, d *pageData, err error) int {
	e := classify(err)
	s.logIfServerError(c, e, err)
	if e.retryAfter > 0 {
		writeRetryAfter(c, e.retryAfter)
	}
	return s.setError(d, err)
}

// signupPage is GET /signup.
func (s *Server) signupPage(c *gin.Context) {
	if !s.cfg.Users.Signup.Enabled || s.registry == nil {
		s.fail(c, errSignupDisabled)
		return
	}
	d := s.page("signup.title")
	d.RD = s.rdParam(c)
	s.render(c, http.StatusOK, "signup.html", d)
}

// signupSubmit is POST /signup.
func (s *Server) signupSubmit(c *gin.Context) {
	in := auth.NewAccount{
		Username: c.PostForm("username"), Email: c.PostForm("email"), Password: c.PostForm("password"),
		Phone: c.PostForm("phone"), Name: c.PostForm("name"),
	}
	rd := s.rdParam(c)
	sess, _, err := s.signup(c, in)
	if err != nil {
		if errors.Is(err, errSignupDisabled) {
			s.fail(c, err)
			return
		}
		d := s.page("signup.title")
		d.RD = rd
		d.Form = map[string]string{"username": in.Username, "email": in.Email, "phone": in.Phone, "name": in.Name}
		status := s.formError(c, &d, err)
		s.render(c, status, "signup.html", d)
		return
	}
	s.setSessionCookie(c, sess)
	s.redirectOTP(c, rd, "")
}

// resetPage is GET /reset: step one (who), or step two (code and new
// password) when ?u= is set.
func (s *Server) resetPage(c *gin.Context) {
	if s.registry == nil {
		s.fail(c, errResetUnavailable)
		return
	}
	d := s.page("reset.title")
	d.RD = s.rdParam(c)
	d.Username = c.Query("u")
	if d.Username != "" {
		d.Mode = "code"
	}
	s.render(c, http.StatusOK, "reset.html", d)
}

// resetSubmit is POST /reset, for both steps.
func (s *Server) resetSubmit(c *gin.Context) {
	login := c.PostForm("username")
	d := s.page("reset.title")
	d.Username = login
	d.RD = s.rdParam(c)
	if c.PostForm("code") == "" && c.PostForm("password") == "" {
		if err := s.resetStart(c, login); err != nil {
			status := s.formError(c, &d, err)
			s.render(c, status, "reset.html", d)
			return
		}
		q := url.Values{"u": {login}}
		if d.RD != "" {
			q.Set("rd", d.RD)
		}
		noStore(c)
		c.Redirect(http.StatusSeeOther, s.prefix+"/reset?"+q.Encode())
		return
	}
	d.Mode = "code"
	if err := s.resetFinish(c, login, c.PostForm("code"), c.PostForm("password")); err != nil {
		if errors.Is(err, auth.ErrInvalidInput) {
			// The code was not used up: keep it for the next try.
			d.Form = map[string]string{"code": c.PostForm("code")}
		}
		status := s.formError(c, &d, err)
		s.render(c, status, "reset.html", d)
		return
	}
	d.Mode, d.Title, d.Info = "done", "reset.done_title", s.t("reset.done")
	s.render(c, http.StatusOK, "reset.html", d)
}

// accountUser returns the signed-in session and user, or redirects to the
// login page and returns nil.
func (s *Server) accountUser(c *gin.Context) (*auth.Session, *auth.User) {
	sess, u, err := s.currentUser(c)
	if err != nil {
		s.fail(c, err)
		return nil, nil
	}
	if u == nil {
		noStore(c)
		c.Redirect(http.StatusSeeOther, s.prefix+"/login?rd="+url.QueryEscape(s.prefix+"/account"))
		c.Abort()
		return nil, nil
	}
	return sess, u
}

// renderAccount shows the account page with its sessions list.
func (s *Server) renderAccount(c *gin.Context, status int, sess *auth.Session, u *auth.User, d pageData) {
	d.Title = "account.title"
	d.Username, d.Email, d.Name = u.Username, u.Email, u.DisplayName
	d.Phone = auth.MaskPhone(u.Phone)
	d.CanEdit = s.registry != nil
	if sess.Change != nil {
		d.Mode = "verify_phone"
		d.NewPhone = auth.MaskPhone(sess.Change.Phone)
	}
	list, err := s.sessions.ListUser(c.Request.Context(), u, sess.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Sessions = make([]sessionView, len(list))
	for i, si := range list {
		d.Sessions[i] = sessionView{SessionInfo: si, Device: s.deviceName(si.Agent)}
	}
	s.render(c, status, "account.html", d)
}

// accountPage is GET /account.
func (s *Server) accountPage(c *gin.Context) {
	sess, u := s.accountUser(c)
	if u == nil {
		return
	}
	s.renderAccount(c, http.StatusOK, sess, u, s.page("account.title"))
}

// accountPassword is POST /account/password: current and new password.
func (s *Server) accountPassword(c *gin.Context) {
	sess, u := s.accountUser(c)
	if u == nil {
		return
	}
	d := s.page("account.title")
	err := s.changePassword(c, sess, u, c.PostForm("current"), c.PostForm("password"))
	if err != nil {
		status := s.formError(c, &d, err)
		s.renderAccount(c, status, sess, u, d)
		return
	}
	fresh, err := s.users.Lookup(c.Request.Context(), u.Username)
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Info = s.t("account.password_done")
	s.renderAccount(c, http.StatusOK, sess, fresh, d)
}

func (s *Server) changePassword(c *gin.Context, sess *auth.Session, u *auth.User, current, password string) error {
	ctx := c.Request.Context()
	if s.registry == nil {
		return errAccountUnavailable
	}
	if err := s.checkBan(c, u.Username); err != nil {
		return err
	}
	if _, err := s.authn.CheckPassword(ctx, u.Username, current); err != nil {
		if errors.Is(err, auth.ErrInvalidCredentials) {
			if rerr := s.recordFailure(c, u.Username); rerr != nil {
				return rerr
			}
			return auth.FieldProblem("current", "field.current.wrong", "That is not your current password.")
		}
		return err
	}
	if p := s.policy.Check(password, u); p.ID != "" {
		return &auth.InputError{Problems: map[string]auth.Problem{"password": p}}
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	if err := s.registry.SetPassword(ctx, u.Username, hash); err != nil {
		return err
	}
	// This session stays signed in, under a new id and the new
	// credentials; every other one ends (docs/contract.md, "Sessions end
	// when credentials change").
	if err := s.restamp(c, sess, u.Username); err != nil {
		return err
	}
	n, err := s.sessions.RevokeUser(ctx, u.Username, sess.ID)
	if err != nil {
		return err
	}
	s.audit(c, "password_changed", u.Username, "", "sessions_revoked", n)
	return nil
}

// phoneSetter is a registry that can move an account to a new number.
type phoneSetter interface {
	SetPhone(ctx context.Context, username, phone string) error
}

// accountPhone is POST /account/phone: send a code to the new number.
func (s *Server) accountPhone(c *gin.Context) {
	sess, u := s.accountUser(c)
	if u == nil {
		return
	}
	d := s.page("account.title")
	if err := s.startPhoneChange(c, sess, u, c.PostForm("phone")); err != nil {
		d.Form = map[string]string{"phone": c.PostForm("phone")}
		status := s.formError(c, &d, err)
		s.renderAccount(c, status, sess, u, d)
		return
	}
	d.Info = s.t("account.phone_sent")
	s.renderAccount(c, http.StatusOK, sess, u, d)
}

func (s *Server) startPhoneChange(c *gin.Context, sess *auth.Session, u *auth.User, phone string) error {
	ctx := c.Request.Context()
	if _, ok := s.registry.(phoneSetter); !ok {
		return errAccountUnavailable
	}
	e164, err := auth.NormalizePhone(phone, s.region)
	if err != nil {
		return &auth.InputError{Problems: map[string]auth.Problem{"phone": auth.PhoneProblem(err)}}
	}
	if e164 == u.Phone {
		return auth.FieldProblem("phone", "field.phone.same", "That is already your number.")
	}
	if other, err := s.users.Lookup(ctx, e164); err == nil && other.Username != u.Username {
		return &auth.ConflictError{Field: "phone"}
	} else if err != nil && !errors.Is(err, auth.ErrUserNotFound) {
		return err
	}
	if sess.Change != nil {
		s.otp.Cancel(ctx, sess.Change.Challenge)
	}
	ch, err := s.otp.Start(ctx, u.Username, e164, purposePhoneChange)
	if err != nil {
		return err
	}
	sess.Change = &auth.Pending{User: u.Username, Challenge: ch.ID, Purpose: purposePhoneChange, Phone: e164}
	s.audit(c, "otp_sent", u.Username, e164, "purpose", purposePhoneChange)
	return s.sessions.Save(ctx, sess)
}

// accountPhoneVerify is POST /account/phone/verify.
func (s *Server) accountPhoneVerify(c *gin.Context) {
	sess, u := s.accountUser(c)
	if u == nil {
		return
	}
	d := s.page("account.title")
	if err := s.finishPhoneChange(c, sess, u, c.PostForm("code")); err != nil {
		status := s.formError(c, &d, err)
		s.renderAccount(c, status, sess, u, d)
		return
	}
	fresh, err := s.users.Lookup(c.Request.Context(), u.Username)
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Info = s.t("account.phone_done")
	s.renderAccount(c, http.StatusOK, sess, fresh, d)
}

func (s *Server) finishPhoneChange(c *gin.Context, sess *auth.Session, u *auth.User, code string) error {
	ctx := c.Request.Context()
	ps, ok := s.registry.(phoneSetter)
	if !ok {
		return errAccountUnavailable
	}
	if sess.Change == nil {
		return auth.ErrNoChallenge
	}
	if err := s.checkBan(c, u.Username); err != nil {
		return err
	}
	ch, err := s.otp.Verify(ctx, sess.Change.Challenge, normalizeCode(code))
	if errors.Is(err, auth.ErrOTPInvalid) {
		if rerr := s.recordFailure(c, u.Username); rerr != nil {
			return rerr
		}
	}
	if errors.Is(err, auth.ErrOTPExpired) {
		sess.Change = nil
		_ = s.sessions.Save(ctx, sess)
	}
	if err != nil {
		return err
	}
	if ch.User != u.Username {
		return auth.ErrOTPInvalid
	}
	if err := ps.SetPhone(ctx, u.Username, ch.Phone); err != nil {
		return err
	}
	// As for a password change: this session stays, the others end.
	sess.Change = nil
	if err := s.restamp(c, sess, u.Username); err != nil {
		return err
	}
	n, err := s.sessions.RevokeUser(ctx, u.Username, sess.ID)
	if err != nil {
		return err
	}
	if u.Phone != "" {
		// Tell the old number, so a hijacker's change does not go unseen.
		msg := "The phone number of your account " + u.Username + " was just changed to " + auth.MaskPhone(ch.Phone) + ". If this was not you, contact your administrator now."
		if err := s.otp.Notify(ctx, u.Phone, msg); err != nil {
			s.log.WarnContext(ctx, "account: old phone not notified", "user", u.Username, "error", err)
		}
	}
	s.audit(c, "phone_changed", u.Username, ch.Phone, "sessions_revoked", n)
	return nil
}

// accountRevoke is POST /account/sessions/revoke.
func (s *Server) accountRevoke(c *gin.Context) {
	sess, u := s.accountUser(c)
	if u == nil {
		return
	}
	ok, err := s.sessions.RevokeOne(c.Request.Context(), u.Username, c.PostForm("session"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if ok {
		s.audit(c, "session_revoked", u.Username, "")
	}
	if c.PostForm("session") == auth.SessionHandle(sess.ID) {
		s.clearSessionCookie(c)
		c.Redirect(http.StatusSeeOther, s.prefix+"/login")
		return
	}
	c.Redirect(http.StatusSeeOther, s.prefix+"/account")
}
