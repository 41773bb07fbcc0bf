package gateway

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
	"github.com/nyaruka/phonenumbers"
)

// pageData is what every portal template receives. Texts come from the
// message catalogue: Title is a message id, Error, Info and Fields are
// texts already in the portal's language.
type pageData struct {
	Title      string // message id
	Brand      brand
	Prefix     string
	RD         string
	Error      string
	Info       string
	Mode       string // login: "password", "phone" or "stepup"; otp: "" or "resend"; reset: "", "code" or "done"
	Purpose    string // otp: what the code is for (login, signup)
	Username   string
	Phone      string // masked
	ResendIn   int
	ExpiresIn  int
	CodeLength int
	WebOTP     bool // ask the browser for the code of an incoming SMS
	RememberMe bool // offer the box
	// RememberDays and RememberHours say how long "remember me" lasts.
	RememberDays, RememberHours int
	MinPassword                 int
	Status                      int
	Code                        string // error pages: the error code
	Retry                       string // error pages: the address to try again, for a GET
	RequestID                   string
	CSRF                        string // token for the hidden csrf field of every form

	// PhoneExample is a number as people would type it; PhoneNational
	// says numbers without a country code are read in the default region.
	PhoneExample  string
	PhoneNational bool

	Fields   map[string]string // per-field problems
	Errors   []fieldError      // the same, in page order, when several
	Form     map[string]string // values to put back in a form
	Email    string
	Name     string
	NewPhone string // masked, during a phone change
	CanEdit  bool   // the user backend accepts changes
	Sessions []sessionView
	Signup   bool // sign-up is offered
	Reset    bool // password reset is offered
}

// fieldError is one problem of a form, for the error summary.
type fieldError struct{ Field, Text string }

// sessionView is one line of the account page's sessions list.
type sessionView struct {
	auth.SessionInfo
	Device string
}

// fieldOrder is the order fields appear in on the portal's forms.
var fieldOrder = []string{"name", "username", "email", "phone", "current", "password", "code"}

func (s *Server) page(title string) pageData {
	remember := s.sessions.Config().RememberMe
	d := pageData{
		Title:         title,
		Brand:         s.portal.brand,
		Prefix:        s.prefix,
		CodeLength:    s.otp.CodeLength(), // 0: the SMS provider picks the length
		RememberMe:    remember > 0,
		RememberHours: int(remember.Round(time.Hour) / time.Hour),
		MinPassword:   s.policy.MinLength,
		Signup:        s.cfg.Users.Signup.Enabled && s.registry != nil,
		Reset:         s.registry != nil,
		WebOTP:        s.cfg.OTP.WebOTP,
	}
	if remember >= 48*time.Hour {
		d.RememberDays = int(remember.Round(24*time.Hour) / (24 * time.Hour))
	}
	d.PhoneExample, d.PhoneNational = phoneExample(s.region)
	return d
}

// phoneExample returns a mobile number of region as its people write it,
// or an international example when there is no default region.
func phoneExample(region string) (string, bool) {
	if region != "" {
		if n := phonenumbers.GetExampleNumberForType(region, phonenumbers.MOBILE); n != nil {
			return unbreakable(phonenumbers.Format(n, phonenumbers.NATIONAL)), true
		}
	}
	return unbreakable("+1 201 555 0100"), false
}

// unbreakable keeps a phone number on one line: no-break spaces and
// hyphens.
func unbreakable(s string) string {
	return strings.NewReplacer(" ", "\u00a0", "-", "\u2011").Replace(s)
}

// t returns a message of the portal's catalogue.
func (s *Server) t(id string, args ...any) string { return s.portal.msg.text(id, args...) }

func (s *Server) render(c *gin.Context, status int, name string, d pageData) {
	d.CSRF = s.csrfToken(c)
	d.RequestID = c.Writer.Header().Get("X-Request-Id")
	noStore(c)
	c.Header("Content-Security-Policy", s.csp())
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	if err := s.portal.tmpl.ExecuteTemplate(c.Writer, name, d); err != nil {
		s.log.ErrorContext(c.Request.Context(), "render page", "page", name, "error", err)
	}
	c.Abort()
}

// setError puts err on a page: the message over the form, or the message
// of each bad field next to it (with a summary over the form when there
// are several), in the portal's language. It returns the status.
func (s *Server) setError(d *pageData, err error) int {
	e := classify(err)
	d.Error, d.Fields = s.errorText(e), nil
	var (
		ie *auth.InputError
		pe *auth.PhoneError
		ce *auth.ConflictError
	)
	switch {
	case errors.As(err, &ie):
		d.Fields = map[string]string{}
		for f, p := range ie.Problems {
			d.Fields[f] = s.problemText(p)
		}
	case errors.As(err, &ce):
		d.Fields = map[string]string{ce.Field: s.textOr("conflict."+ce.Field, e.Message)}
	case errors.As(err, &pe):
		d.Fields = map[string]string{"phone": s.textOr("phone."+pe.Reason, e.Message)}
	case len(e.Fields) > 0:
		d.Fields = e.Fields
	}
	switch len(d.Fields) {
	case 0:
	case 1:
		d.Error = "" // shown next to its field
	default:
		d.Errors = nil
		for _, f := range fieldOrder {
			if msg, ok := d.Fields[f]; ok {
				d.Errors = append(d.Errors, fieldError{f, msg})
			}
		}
		var rest []string
		for f := range d.Fields {
			if !slices.Contains(fieldOrder, f) {
				rest = append(rest, f)
			}
		}
		slices.Sort(rest)
		for _, f := range rest {
			d.Errors = append(d.Errors, fieldError{f, d.Fields[f]})
		}
	}
	return e.Status
}

// errorText is the page text of an API error: the catalogue's
// error.<code>, else the JSON message.
func (s *Server) errorText(e apiError) string { return s.textOr("error."+e.Code, e.Message) }

func (s *Server) textOr(id, fallback string) string {
	if s.portal.msg.has(id) {
		return s.t(id)
	}
	return fallback
}

func (s *Server) problemText(p auth.Problem) string {
	if s.portal.msg.has(p.ID) {
		return s.t(p.ID, "n", p.N)
	}
	return p.Text
}

func (s *Server) errorData(e apiError) pageData {
	title := "error.title"
	switch {
	case e.Code == "csrf_failed":
		title = "error.title_csrf"
	case e.Status == http.StatusForbidden, e.Status == http.StatusNotFound, e.Status == http.StatusTooManyRequests:
		title = "error.title_" + strconv.Itoa(e.Status)
	case e.Status >= 500:
		title = "error.title_5xx"
	}
	d := s.page(title)
	d.Error, d.Status, d.Code = s.errorText(e), e.Status, e.Code
	return d
}

// retryURL is where "Try again" leads: the same address, for a GET.
func retryURL(r *http.Request) string {
	if r.Method != http.MethodGet {
		return ""
	}
	return r.URL.RequestURI()
}

// writeErrorPage writes the error page outside gin (the proxy's error
// handler); it has no form, so no CSRF token.
func (s *Server) writeErrorPage(w http.ResponseWriter, r *http.Request, e apiError) {
	d := s.errorData(e)
	d.RequestID = r.Header.Get("X-Request-Id")
	d.Retry = retryURL(r)
	h := w.Header()
	h.Set("Content-Security-Policy", s.csp())
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(e.Status)
	if err := s.portal.tmpl.ExecuteTemplate(w, "error.html", d); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "page", "error.html", "error", err)
	}
}

func (s *Server) renderError(c *gin.Context, e apiError) {
	if e.retryAfter > 0 {
		writeRetryAfter(c, e.retryAfter)
	}
	d := s.errorData(e)
	d.Retry = retryURL(c.Request)
	s.render(c, e.Status, "error.html", d)
}

// rdParam returns the validated rd of a request (query or form).
func (s *Server) rdParam(c *gin.Context) string {
	rd := c.PostForm("rd")
	if rd == "" {
		rd = c.Query("rd")
	}
	if rd == "" {
		return ""
	}
	return s.safeRedirect(rd)
}

func orRoot(rd string) string {
	if rd == "" {
		return "/"
	}
	return rd
}

// loginPage is GET /login: the password form, the phone form for sms
// routes, or a step-up prompt for a signed-in session lacking a method.
func (s *Server) loginPage(c *gin.Context) {
	rd := s.rdParam(c)
	sess, u, err := s.currentUser(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rt := s.targetRoute(c, rd)
	d := s.page("login.title")
	d.RD = rd
	d.Mode = "password"
	if rt != nil && rt.policy == PolicySMS {
		d.Mode, d.Title = "phone", "phone_login.title"
	}
	if u != nil {
		if rt != nil {
			dec := decide(rt, sess, u, s.now())
			switch dec.verdict {
			case allow:
				c.Redirect(http.StatusSeeOther, orRoot(rd))
				return
			case forbidden:
				s.fail(c, errForbidden)
				return
			}
			if len(dec.missing) == 1 && dec.missing[0] == auth.MethodSMS {
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
func (s *Server) loginSubmit(c *gin.Context) {
	rd := s.rdParam(c)
	remember := c.PostForm("remember_me") != ""
	var (
		sess *auth.Session
		info *otpInfo
		err  error
	)
	phone, password := c.PostForm("phone"), c.PostForm("password")
	mode := "password"
	if c.PostForm("mode") == "phone" || (phone != "" && password == "") {
		mode = "phone"
		sess, info, err = s.smsStart(c, phone, remember)
	} else {
		sess, info, err = s.passwordLogin(c, c.PostForm("username"), password, remember, rd)
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
	noStore(c)
	c.Redirect(http.StatusSeeOther, orRoot(rd))
}

func (s *Server) redirectOTP(c *gin.Context, rd, errMsg string) {
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
func (s *Server) otpPage(c *gin.Context) {
	rd := s.rdParam(c)
	sess, err := s.loadSession(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if sess == nil || sess.Pending == nil {
		if sess != nil && sess.Authenticated() {
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
	s.renderOTP(c, http.StatusOK, sess, rd, nil)
}

// renderOTP shows the code form for sess's pending code, with err (if
// any) over it.
func (s *Server) renderOTP(c *gin.Context, status int, sess *auth.Session, rd string, err error) {
	d := s.page("otp.title")
	d.RD = rd
	if err != nil {
		s.setError(&d, err)
	}
	d.Purpose = sess.Pending.Purpose
	if d.Purpose == auth.PurposeSignup {
		d.Title = "otp.title_signup"
	}
	d.Phone = auth.MaskPhone(sess.Pending.Phone)
	if ch, err := s.otp.Peek(c.Request.Context(), sess.Pending.Challenge); err == nil {
		info := s.otpInfoFor(ch)
		d.ResendIn, d.ExpiresIn = info.ResendIn, info.ExpiresIn
	}
	s.render(c, status, "otp.html", d)
}

// otpSubmit is POST /otp.
func (s *Server) otpSubmit(c *gin.Context) {
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
		s.renderOTP(c, e.Status, cur, rd, err)
		return
	}
	s.setSessionCookie(c, sess)
	noStore(c)
	c.Redirect(http.StatusSeeOther, orRoot(rd))
}

// otpResendSubmit is POST /otp/resend (also starts a step-up).
func (s *Server) otpResendSubmit(c *gin.Context) {
	rd := s.rdParam(c)
	sess, _, err := s.resendCode(c)
	if err != nil {
		e := classify(err)
		s.logIfServerError(c, e, err)
		cur, lerr := s.loadSession(c)
		if lerr == nil && cur != nil && cur.Pending != nil {
			if e.retryAfter > 0 {
				writeRetryAfter(c, e.retryAfter)
			}
			s.renderOTP(c, e.Status, cur, rd, err)
			return
		}
		s.fail(c, err)
		return
	}
	s.setSessionCookie(c, sess)
	s.redirectOTP(c, rd, "")
}

// logoutPage is GET /logout: a confirmation form (logging out on GET would
// let any page log people out).
func (s *Server) logoutPage(c *gin.Context) {
	d := s.page("logout.title")
	d.RD = s.rdParam(c)
	s.render(c, http.StatusOK, "logout.html", d)
}

// logoutSubmit is POST /logout.
func (s *Server) logoutSubmit(c *gin.Context) {
	if err := s.logout(c); err != nil {
		s.fail(c, err)
		return
	}
	d := s.page("logout.done_title")
	d.Info = s.t("logout.done")
	d.RD = s.rdParam(c)
	s.render(c, http.StatusOK, "logout.html", d)
}
