package gateway

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// formError fills d with err for a page: message, field problems, status.
func (s *pagesSurface) formError(c *gin.Context, d *pageData, err error) int {
	e := classify(err)
	s.logIfServerError(c, e, err)
	if e.retryAfter > 0 {
		writeRetryAfter(c, e.retryAfter)
	}
	return s.setError(d, err)
}

// signupPage is GET /signup.
func (s *pagesSurface) signupPage(c *gin.Context) {
	if !s.cfg.Users.Signup.Enabled || s.registry == nil {
		s.fail(c, auth.ErrSignupDisabled)
		return
	}
	d := s.page("signup.title")
	d.RD = s.rdParam(c)
	s.render(c, http.StatusOK, "signup.html", d)
}

// signupSubmit is POST /signup.
func (s *pagesSurface) signupSubmit(c *gin.Context) {
	in := auth.NewAccount{
		Username: c.PostForm("username"), Email: c.PostForm("email"), Password: c.PostForm("password"),
		Phone: c.PostForm("phone"), Name: c.PostForm("name"),
	}
	rd := s.rdParam(c)
	sess, _, err := s.signup(c, in)
	if err != nil {
		if errors.Is(err, auth.ErrSignupDisabled) {
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
func (s *pagesSurface) resetPage(c *gin.Context) {
	if s.registry == nil || !s.cfg.Users.Reset.Enabled {
		s.fail(c, auth.ErrResetUnavailable)
		return
	}
	d := s.page("reset.title")
	d.RD = s.rdParam(c)
	d.Username = c.Query("u")
	if d.Username != "" {
		d.Mode = "code"
		d.AskRecovery = s.resetAsksRecovery()
	}
	s.render(c, http.StatusOK, "reset.html", d)
}

// resetSubmit is POST /reset, for both steps.
func (s *pagesSurface) resetSubmit(c *gin.Context) {
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
	d.AskRecovery = s.resetAsksRecovery()
	in := auth.ResetIn{Login: login, Code: c.PostForm("code"), Password: c.PostForm("password"), RecoveryCode: c.PostForm("recovery_code")}
	if err := s.resetFinish(c, in); err != nil {
		if errors.Is(err, auth.ErrInvalidInput) || errors.Is(err, auth.ErrRecoveryCodeInvalid) {
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
func (s *pagesSurface) accountUser(c *gin.Context) (*auth.Session, *auth.User) {
	sess, u, err := s.currentUser(c)
	var rt *route
	if err == nil {
		rt, err = s.forUser(c.Request.Context(), accountRoute(false, false), u)
	}
	if err != nil {
		s.fail(c, err)
		return nil, nil
	}
	if u == nil || decide(rt, sess, u, s.now()).verdict != allow {
		// Not signed in, or not with every method the account signs in
		// with: a password-only session must not reach the page that
		// moves the phone (docs/contract.md, "Account page").
		s.toLogin(c, false)
		return nil, nil
	}
	return sess, u
}

// toLogin sends the browser to the login page, back to the account page
// after it; confirm asks for fresh proofs (auth.CredentialChangeAge).
func (s *pagesSurface) toLogin(c *gin.Context, confirm bool) {
	rd := s.prefix + "/account"
	if confirm {
		rd += "?confirm=1"
	}
	noStore(c)
	c.Redirect(http.StatusSeeOther, s.prefix+"/login?rd="+url.QueryEscape(rd))
	c.Abort()
}

// renderAccount shows the account page with its sessions list.
func (s *pagesSurface) renderAccount(c *gin.Context, status int, sess *auth.Session, u *auth.User, d pageData) {
	d.Title = "account.title"
	d.Username, d.Email, d.Name = u.Username, u.Email, u.DisplayName
	d.Phone = auth.MaskPhone(u.Phone)
	d.CanEdit = s.registry != nil
	if sess.Change != nil {
		d.Mode = "verify_phone"
		d.NewPhone = auth.MaskPhone(sess.Change.Phone)
	}
	if err := s.fillRecovery(c, &d, u); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.fillTOTP(c, &d, u); err != nil {
		s.fail(c, err)
		return
	}
	switch c.Query("totp") {
	case "enrolled":
		d.Info = s.t("account.totp_enrolled")
	case "removed":
		d.Info = s.t("account.totp_removed")
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
func (s *pagesSurface) accountPage(c *gin.Context) {
	sess, u := s.accountUser(c)
	if u == nil {
		return
	}
	d := s.page("account.title")
	d.RD = s.rdParam(c)
	if c.Query("recovered") != "" && sess.Has(auth.MethodRecovery, s.now().Add(-auth.CredentialChangeAge)) {
		d.Recovered = true
	}
	s.renderAccount(c, http.StatusOK, sess, u, d)
}

// accountPassword is POST /account/password: current and new password.
func (s *pagesSurface) accountPassword(c *gin.Context) {
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

// changePassword changes the password of u, signed in with sess, which
// stays signed in under a new id.
func (s *pagesSurface) changePassword(c *gin.Context, sess *auth.Session, u *auth.User, current, password string) error {
	st, err := s.login.ChangePassword(c.Request.Context(), s.client(c), sess, u, current, password)
	if err == nil {
		s.setSessionCookie(c, st.Session)
	}
	return err
}

// accountPhone is POST /account/phone: send a code to the new number.
func (s *pagesSurface) accountPhone(c *gin.Context) {
	sess, u := s.accountUser(c)
	if u == nil {
		return
	}
	d := s.page("account.title")
	err := s.startPhoneChange(c, sess, u, c.PostForm("phone"))
	if errors.Is(err, auth.ErrFreshProofNeeded) {
		s.toLogin(c, true) // back here once the proofs are fresh
		return
	}
	if err != nil {
		d.Form = map[string]string{"phone": c.PostForm("phone")}
		status := s.formError(c, &d, err)
		s.renderAccount(c, status, sess, u, d)
		return
	}
	d.Info = s.t("account.phone_sent")
	s.renderAccount(c, http.StatusOK, sess, u, d)
}

// startPhoneChange sends a code to u's new number.
func (s *pagesSurface) startPhoneChange(c *gin.Context, sess *auth.Session, u *auth.User, phone string) error {
	_, err := s.login.PhoneChangeStart(c.Request.Context(), s.client(c), sess, u, phone)
	return err
}

// accountPhoneVerify is POST /account/phone/verify.
func (s *pagesSurface) accountPhoneVerify(c *gin.Context) {
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

// finishPhoneChange moves u to the number its code was sent to; sess
// stays signed in under a new id.
func (s *pagesSurface) finishPhoneChange(c *gin.Context, sess *auth.Session, u *auth.User, code string) error {
	st, err := s.login.PhoneChangeFinish(c.Request.Context(), s.client(c), sess, u, code)
	if err == nil {
		s.setSessionCookie(c, st.Session)
	}
	return err
}

// accountRevoke is POST /account/sessions/revoke.
func (s *pagesSurface) accountRevoke(c *gin.Context) {
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
