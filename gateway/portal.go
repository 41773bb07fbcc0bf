package gateway

import (
	"embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

//go:embed templates/*.html templates/style.css
var templateFS embed.FS

func parseTemplates() (*template.Template, error) {
	return template.New("").ParseFS(templateFS, "templates/*.html")
}

// pageData is what every portal template receives.
type pageData struct {
	Title      string
	Prefix     string
	RD         string
	Error      string
	Info       string
	Mode       string // login: "password", "phone" or "stepup"
	Username   string
	Phone      string // masked
	ResendIn   int
	ExpiresIn  int
	CodeLength int
	RememberMe bool // offer the box
	Status     int
	CSRF       string // token for the hidden csrf field of every form

	Fields   map[string]string // per-field problems
	Form     map[string]string // values to put back in a form
	Email    string
	Name     string
	NewPhone string // masked, during a phone change
	CanEdit  bool   // the user backend accepts changes
	Sessions []auth.SessionInfo
	Signup   bool // sign-up is offered
	Reset    bool // password reset is offered
}

func (s *Server) page(title string) pageData {
	return pageData{
		Title:      title,
		Prefix:     s.prefix,
		CodeLength: s.otp.Config().Length,
		RememberMe: s.sessions.Config().RememberMe > 0,
		Signup:     s.cfg.Users.Signup.Enabled && s.registry != nil,
		Reset:      s.registry != nil,
	}
}

func (s *Server) render(c *gin.Context, status int, name string, d pageData) {
	d.CSRF = s.csrfToken(c)
	noStore(c)
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	if err := s.tmpl.ExecuteTemplate(c.Writer, name, d); err != nil {
		s.log.ErrorContext(c.Request.Context(), "render page", "page", name, "error", err)
	}
	c.Abort()
}

func (s *Server) errorData(e apiError) pageData {
	d := s.page("Something went wrong")
	d.Error, d.Status = e.Message, e.Status
	return d
}

func (s *Server) renderError(c *gin.Context, e apiError) {
	if e.retryAfter > 0 {
		writeRetryAfter(c, e.retryAfter)
	}
	s.render(c, e.Status, "error.html", s.errorData(e))
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
	d := s.page("Sign in")
	d.RD = rd
	d.Mode = "password"
	if rt != nil && rt.policy == PolicySMS {
		d.Mode = "phone"
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
				d.Mode, d.Title = "stepup", "Confirm it's you"
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
	if phone != "" && password == "" {
		mode = "phone"
		sess, info, err = s.smsStart(c, phone, remember)
	} else {
		sess, info, err = s.passwordLogin(c, c.PostForm("username"), password, remember, rd)
	}
	if sess != nil {
		s.setSessionCookie(c, sess)
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = errBodyTooLarge
		}
		e := classify(err)
		s.logIfServerError(c, e, err)
		if sess != nil && errors.Is(err, auth.ErrSMSFailed) {
			// Password proved, code not sent: let them retry from the code page.
			s.redirectOTP(c, rd, e.Message)
			return
		}
		d := s.page("Sign in")
		d.RD, d.Mode, d.Error = rd, mode, e.Message
		d.Username = c.PostForm("username")
		if e.retryAfter > 0 {
			writeRetryAfter(c, e.retryAfter)
		}
		s.render(c, e.Status, "login.html", d)
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
			d := s.page("Enter your code")
			d.RD = rd
			if c.Query("e") == "send" {
				d.Error = classify(auth.ErrSMSFailed).Message
			}
			d.Mode = "resend"
			s.render(c, http.StatusOK, "otp.html", d)
			return
		}
		c.Redirect(http.StatusSeeOther, s.prefix+"/login?rd="+url.QueryEscape(rd))
		return
	}
	s.renderOTP(c, http.StatusOK, sess, rd, "")
}

func (s *Server) renderOTP(c *gin.Context, status int, sess *auth.Session, rd, errMsg string) {
	d := s.page("Enter your code")
	d.RD, d.Error = rd, errMsg
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
		s.renderOTP(c, e.Status, cur, rd, e.Message)
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
			s.renderOTP(c, e.Status, cur, rd, e.Message)
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
	d := s.page("Sign out")
	d.RD = s.rdParam(c)
	s.render(c, http.StatusOK, "logout.html", d)
}

// logoutSubmit is POST /logout.
func (s *Server) logoutSubmit(c *gin.Context) {
	if err := s.logout(c); err != nil {
		s.fail(c, err)
		return
	}
	d := s.page("Signed out")
	d.Info = "You are signed out."
	d.RD = s.rdParam(c)
	s.render(c, http.StatusOK, "logout.html", d)
}

// styleCSS serves the portal's stylesheet.
func (s *Server) styleCSS(c *gin.Context) {
	b, err := templateFS.ReadFile("templates/style.css")
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, "text/css; charset=utf-8", b)
}
