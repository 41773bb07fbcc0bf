package gateway

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
	"github.com/nyaruka/phonenumbers"
)

// formError fills d with err for a page: message, field problems, status.
func (s *core) formError(c *gin.Context, d *pageData, err error) int {
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
		switch {
		case d.Fields["password"] != "" && in.Password == "":
			// Passwords never come back in the form: say so rather
			// than "Use at least 8 characters".
			d.Fields["password"] = s.t("field.password.again")
		case len(d.Fields) > 0 && d.Fields["password"] == "":
			d.Form["password_again"] = "1"
		}
		if len(d.Fields) > 0 {
			// One problem is summed up and focused like several: the
			// field may be below the fold on a phone.
			s.summarize(&d)
		}
		s.render(c, status, "signup.html", d)
		return
	}
	s.setSessionCookie(c, sess)
	s.redirectOTP(c, rd, "")
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
	d.EmailUnverified = u.EmailUnverified
	d.Phone = auth.MaskPhone(u.Phone)
	d.CanEdit = s.registry != nil
	switch {
	case d.RD != "":
		d.AppURL, d.App = d.RD, s.appName(s.targetRoute(c, d.RD))
	case s.home(c.Request) == "/":
		d.AppURL, d.App = "/", s.appName(s.targetRoute(c, "/"))
	}
	if sess.Change != nil {
		// The whole number: the person just typed it, and a typo must
		// be seen to be corrected.
		d.Mode = "verify_phone"
		d.NewPhone, d.NewPhoneE164 = unbreakable(intlPhone(sess.Change.Phone)), sess.Change.Phone
	}
	if err := s.fillRecovery(c, &d, u); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.fillPasskeys(c, &d, u); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.fillTOTP(c, &d, u); err != nil {
		s.fail(c, err)
		return
	}
	switch s.notice(c, "totp") {
	case "enrolled":
		d.Info = s.t("account.totp_enrolled")
	case "removed":
		d.Info = s.t("account.totp_removed")
	}
	switch s.notice(c, "passkey") {
	case "added":
		d.Info = s.t("account.passkey_added_info")
	case "removed":
		d.Info = s.t("account.passkey_removed_info")
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

// accountDone are the messages the account page shows after a change,
// by the done parameter of the redirect that follows the change's POST.
var accountDone = map[string]string{
	"password":        "account.password_done",
	"phone_sent":      "account.phone_sent",
	"phone":           "account.phone_done",
	"phone_cancelled": "account.phone_cancelled",
}

// accountRedirect ends a successful account POST with a redirect, so that
// Reload and Back never offer to send the form again.
func (s *pagesSurface) accountRedirect(c *gin.Context, done string) {
	q := url.Values{}
	if rd := s.rdParam(c); rd != "" {
		q.Set("rd", rd)
	}
	noStore(c)
	c.Redirect(http.StatusSeeOther, s.noticeURL(c, s.prefix+"/account", q, "done", done))
}

// accountPage is GET /account.
func (s *pagesSurface) accountPage(c *gin.Context) {
	sess, u := s.accountUser(c)
	if u == nil {
		return
	}
	d := s.page("account.title")
	d.RD = s.rdParam(c)
	if done, ok := accountDone[s.notice(c, "done")]; ok {
		d.Info = s.t(done)
	}
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
	d.RD = s.rdParam(c)
	err := s.changePassword(c, sess, u, c.PostForm("current"), c.PostForm("password"))
	if errors.Is(err, auth.ErrSessionNotFound) {
		s.toLogin(c, false) // ended while the change was made: nothing was changed
		return
	}
	if err != nil {
		status := s.formError(c, &d, err)
		s.renderAccount(c, status, sess, u, d)
		return
	}
	s.accountRedirect(c, "password")
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
	d.RD = s.rdParam(c)
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
	s.accountRedirect(c, "phone_sent")
}

// accountPhoneCancel is POST /account/phone/cancel: the phone change is
// dropped; with edit set, the number form comes back with the number in
// it, to be corrected.
func (s *pagesSurface) accountPhoneCancel(c *gin.Context) {
	sess, u := s.accountUser(c)
	if u == nil {
		return
	}
	number := ""
	if sess.Change != nil {
		number = intlPhone(sess.Change.Phone)
	}
	if err := s.login.PhoneChangeCancel(c.Request.Context(), sess); err != nil {
		s.fail(c, err)
		return
	}
	if c.PostForm("edit") == "" {
		s.accountRedirect(c, "phone_cancelled")
		return
	}
	d := s.page("account.title")
	d.RD = s.rdParam(c)
	d.Form = map[string]string{"phone": number}
	d.Mode = "edit_phone"
	s.renderAccount(c, http.StatusOK, sess, u, d)
}

// intlPhone writes an E.164 number as people read it ("+1 201-555-0100").
func intlPhone(e164 string) string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
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
	d.RD = s.rdParam(c)
	err := s.finishPhoneChange(c, sess, u, c.PostForm("code"))
	if errors.Is(err, auth.ErrSessionNotFound) {
		s.toLogin(c, false) // ended while the code was checked: nothing was changed
		return
	}
	if err != nil {
		status := s.formError(c, &d, err)
		s.renderAccount(c, status, sess, u, d)
		return
	}
	s.accountRedirect(c, "phone")
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
	if s.revokeMoved(c) {
		return
	}
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
	if c.PostForm("session") == sess.ListedHandle() {
		s.toSignedOut(c)
		return
	}
	c.Redirect(http.StatusSeeOther, s.prefix+"/account")
}

// revokeMoved ends this browser's session from the list when a step-up
// in another tab gave it a new id since the list was shown: the cookie's
// id no longer loads, and the pointer its rotation left names the
// session by the handle posted. It is a sign-out (Login.Logout), and it
// reports whether it answered (docs/contract.md, "Account page").
func (s *pagesSurface) revokeMoved(c *gin.Context) bool {
	ctx, id, posted := c.Request.Context(), s.cookieValue(c.Request), c.PostForm("session")
	if id == "" || posted == "" {
		return false
	}
	if _, handle, err := s.sessions.Moved(ctx, id); err != nil || handle != posted {
		return false // a store failure: the page fails as it would
	}
	if err := s.login.Logout(ctx, s.client(c), id); err != nil {
		s.fail(c, err)
		return true
	}
	s.toSignedOut(c)
	return true
}

// toSignedOut answers the end of this browser's session from the list:
// a sign-out, to the login page (docs/contract.md, "Account page").
func (s *pagesSurface) toSignedOut(c *gin.Context) {
	s.signedOut(c)
	c.Redirect(http.StatusSeeOther, s.prefix+"/login")
}
