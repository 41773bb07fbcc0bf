package gateway

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// retryURL is where "Try again" leads: the same address, for a GET.
func retryURL(r *http.Request) string {
	if r.Method != http.MethodGet {
		return ""
	}
	return r.URL.RequestURI()
}

// rdParam returns the validated rd of a request (query or form): "" for
// none, and for one refused, so that the page leads where it leads
// without one, the portal's home (docs/contract.md, "Redirect targets").
func (s *core) rdParam(c *gin.Context) string {
	rd := c.PostForm("rd")
	if rd == "" {
		rd = c.Query("rd")
	}
	v, _ := s.allowedRedirect(rd)
	return v
}

// loginPage is GET /login: the password form, the phone form for sms
// routes, or a step-up prompt for a signed-in session lacking a method.
func (s *pagesSurface) loginPage(c *gin.Context) {
	rd := s.rdParam(c)
	sess, u, err := s.currentUser(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rt, err := s.forUser(c.Request.Context(), s.targetRoute(c, rd), u)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := s.page("login.title")
	d.RD, d.App = rd, s.appName(rt)
	d.Mode = "password"
	if rt != nil && rt.policy == PolicySMS {
		d.Mode, d.Title = "phone", "phone_login.title"
	}
	d.PasskeyLogin = s.cfg.Passkeys.Enabled
	if u != nil {
		if rt != nil {
			dec := decide(rt, sess, u, s.now())
			switch dec.verdict {
			case allow:
				// Signed in by an app, a passkey or a text: the first time,
				// recovery codes are offered on the way.
				target := s.offerRecovery(c, sess, rd)
				if target == "" {
					target = s.orHome(c, rd)
				}
				c.Redirect(http.StatusSeeOther, target)
				return
			case forbidden:
				s.fail(c, errForbidden)
				return
			}
			if len(dec.missing) > 0 && !slices.Contains(dec.missing, auth.MethodPassword) {
				m, err := s.stepUpMethod(c.Request.Context(), u, rt, dec.missing[0])
				switch {
				case err != nil:
					s.fail(c, err)
					return
				case m == auth.MethodOTP:
					s.redirectTOTP(c, rd)
					return
				case m == auth.MethodHWK:
					s.redirectPasskey(c, rd)
					return
				}
				d.Mode, d.Title = "stepup", "stepup.title"
				d.Username, d.Phone = u.Username, auth.MaskPhone(u.Phone)
			}
		} else if rd != "" {
			c.Redirect(http.StatusSeeOther, rd)
			return
		}
	}
	s.render(c, http.StatusOK, "login.html", d)
}

// loginSubmit is POST /login: password, or phone for passwordless.
func (s *pagesSurface) loginSubmit(c *gin.Context) {
	rd := s.rdParam(c)
	remember := c.PostForm("remember_me") != ""
	var (
		sess *auth.Session
		info *otpInfo
		next string
		err  error
	)
	phone, password := c.PostForm("phone"), c.PostForm("password")
	mode := "password"
	if c.PostForm("mode") == "phone" || (phone != "" && password == "") {
		mode = "phone"
		sess, info, err = s.smsStart(c, phone, remember)
	} else {
		sess, info, next, err = s.passwordLogin(c, c.PostForm("username"), password, remember, rd)
	}
	if sess != nil {
		s.setSessionCookie(c, sess)
	}
	if err != nil {
		e := classify(err) // a body over the limit was refused by limitBody already
		s.logIfServerError(c, e, err)
		if sess != nil && errors.Is(err, auth.ErrSMSFailed) {
			// Password proved, code not sent: let them retry from the code page.
			s.redirectOTP(c, rd, e.Message)
			return
		}
		if sess != nil && errors.Is(err, auth.ErrNoPhone) {
			// Password proved, no phone to text: a recovery code (an
			// administrator's) is the way on.
			q := url.Values{"e": {"no_phone"}}
			if rd != "" {
				q.Set("rd", rd)
			}
			noStore(c)
			c.Redirect(http.StatusSeeOther, s.prefix+"/recovery?"+q.Encode())
			return
		}
		d := s.page("login.title")
		if mode == "phone" {
			d.Title = "phone_login.title"
		}
		d.RD, d.Mode = rd, mode
		status := s.setError(&d, err)
		d.Username = c.PostForm("username")
		d.Form = map[string]string{"phone": phone}
		if e.retryAfter > 0 {
			writeRetryAfter(c, e.retryAfter)
		}
		s.render(c, status, "login.html", d)
		return
	}
	if info != nil {
		s.redirectOTP(c, rd, "")
		return
	}
	switch next {
	case auth.MethodOTP:
		s.redirectTOTP(c, rd)
		return
	case auth.MethodHWK:
		s.redirectPasskey(c, rd)
		return
	}
	noStore(c)
	c.Redirect(http.StatusSeeOther, s.orHome(c, rd))
}

// redirectTOTP sends the browser to the authenticator app's code form.
func (s *pagesSurface) redirectTOTP(c *gin.Context, rd string) {
	target := s.prefix + "/totp"
	if rd != "" {
		target += "?rd=" + url.QueryEscape(rd)
	}
	noStore(c)
	c.Redirect(http.StatusSeeOther, target)
}

func (s *pagesSurface) redirectOTP(c *gin.Context, rd, errMsg string) {
	q := url.Values{}
	if rd != "" {
		q.Set("rd", rd)
	}
	if errMsg != "" {
		q.Set("e", "send")
	}
	target := s.prefix + "/otp"
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	noStore(c)
	c.Redirect(http.StatusSeeOther, target)
}

// otpPage is GET /otp: the code form for the pending login.
func (s *pagesSurface) otpPage(c *gin.Context) {
	rd := s.rdParam(c)
	sess, err := s.loadSession(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if sess == nil || sess.Pending == nil {
		if sess != nil && sess.Authenticated() {
			// Already signed in with every method the target needs (Back
			// after signing in): on to rd, never an offer to text a code.
			if _, u, err := s.currentUser(c); err == nil && u != nil && !s.codeNeeded(c.Request.Context(), sess, u, s.targetRoute(c, rd)) {
				c.Redirect(http.StatusSeeOther, s.orHome(c, rd))
				return
			}
			// Password proved but the code was not sent: offer to send it.
			d := s.page("otp.title")
			d.RD = rd
			if c.Query("e") == "send" {
				d.Error = s.errorText(classify(auth.ErrSMSFailed))
			}
			d.Mode = "resend"
			s.render(c, http.StatusOK, "otp.html", d)
			return
		}
		c.Redirect(http.StatusSeeOther, s.prefix+"/login?rd="+url.QueryEscape(rd))
		return
	}
	info := ""
	if s.notice(c, "sent") != "" {
		info = s.t("otp.resent", "phone", auth.MaskPhone(sess.Pending.Phone))
	}
	s.renderOTP(c, http.StatusOK, sess, rd, nil, info)
}

// renderOTP shows the code form for sess's pending code, with err (if
// any) over it.
func (s *pagesSurface) renderOTP(c *gin.Context, status int, sess *auth.Session, rd string, err error, info string) {
	d := s.page("otp.title")
	d.RD, d.Info = rd, info
	if err != nil {
		s.setError(&d, err)
		if errors.Is(err, auth.ErrOTPInvalid) {
			d.Invalid = "code" // not for a refused resend: the code was not wrong
		}
		if errors.Is(err, auth.ErrOTPExpired) {
			// The code is dead: sending a new one is the way on.
			d.Mode = "dead"
		}
	}
	d.Purpose = sess.Pending.Purpose
	if d.Purpose == auth.PurposeSignup {
		d.Title = "otp.title_signup"
	}
	d.Phone = auth.MaskPhone(sess.Pending.Phone)
	if s.appInstead(c, sess, rd) {
		d.TOTP = &totpView{Enrolled: true}
	}
	if s.keyInstead(c, sess, rd) {
		d.Passkey = &passkeyView{}
	}
	if ch, err := s.otp.Peek(c.Request.Context(), sess.Pending.Challenge); err == nil {
		info := s.otpInfoFor(ch)
		d.ResendIn, d.ExpiresIn = info.ResendIn, info.ExpiresIn
	}
	s.render(c, status, "otp.html", d)
}

// otpSubmit is POST /otp.
func (s *pagesSurface) otpSubmit(c *gin.Context) {
	rd := s.rdParam(c)
	sess, err := s.verifyCode(c, c.PostForm("code"))
	if err != nil {
		e := classify(err)
		s.logIfServerError(c, e, err)
		cur, lerr := s.loadSession(c)
		if lerr != nil || cur == nil || cur.Pending == nil {
			s.fail(c, err)
			return
		}
		if e.retryAfter > 0 {
			writeRetryAfter(c, e.retryAfter)
		}
		s.renderOTP(c, e.Status, cur, rd, err, "")
		return
	}
	s.setSessionCookie(c, sess)
	noStore(c)
	if target := s.offerRecovery(c, sess, rd); target != "" {
		c.Redirect(http.StatusSeeOther, target)
		return
	}
	c.Redirect(http.StatusSeeOther, s.orHome(c, rd))
}

// otpResendSubmit is POST /otp/resend (also starts a step-up).
func (s *pagesSurface) otpResendSubmit(c *gin.Context) {
	rd := s.rdParam(c)
	before, _ := s.loadSession(c)
	resent := before != nil && before.Pending != nil // not a step-up's first code
	sess, _, err := s.resendCode(c)
	if err != nil {
		e := classify(err)
		s.logIfServerError(c, e, err)
		cur, lerr := s.loadSession(c)
		if lerr == nil && cur != nil && cur.Pending != nil {
			if e.retryAfter > 0 {
				writeRetryAfter(c, e.retryAfter)
			}
			s.renderOTP(c, e.Status, cur, rd, err, "")
			return
		}
		s.fail(c, err)
		return
	}
	s.setSessionCookie(c, sess)
	if resent {
		s.redirectOTPSent(c, rd)
		return
	}
	s.redirectOTP(c, rd, "")
}

// redirectOTPSent is redirectOTP after a new code was sent, which the
// code page confirms to this browser only (docs/contract.md, "Notices
// after a change").
func (s *pagesSurface) redirectOTPSent(c *gin.Context, rd string) {
	q := url.Values{}
	if rd != "" {
		q.Set("rd", rd)
	}
	noStore(c)
	c.Redirect(http.StatusSeeOther, s.noticeURL(c, s.prefix+"/otp", q, "sent", "1"))
}

// logoutPage is GET /logout: a confirmation form (logging out on GET would
// let any page log people out).
func (s *pagesSurface) logoutPage(c *gin.Context) {
	d := s.page("logout.title")
	d.RD, d.Home = s.rdParam(c), s.home(c.Request)
	s.render(c, http.StatusOK, "logout.html", d)
}

// logoutSubmit is POST /logout.
func (s *pagesSurface) logoutSubmit(c *gin.Context) {
	if err := s.logout(c); err != nil {
		s.fail(c, err)
		return
	}
	d := s.page("logout.done_title")
	d.Info = s.t("logout.done")
	d.RD = s.rdParam(c)
	s.render(c, http.StatusOK, "logout.html", d)
}
