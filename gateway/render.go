package gateway

// The portal's look, shared by every surface: pages from the templates,
// and the error page any surface may answer a browser with.

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

func (s *core) page(title string) pageData {
	remember := s.sessions.Config().RememberMe
	d := pageData{
		Title:          title,
		Brand:          s.portal.brand,
		Prefix:         s.prefix,
		CodeLength:     s.otp.CodeLength(), // 0: the SMS provider picks the length
		RememberMe:     remember > 0,
		RememberHours:  int(remember.Round(time.Hour) / time.Hour),
		MinPassword:    s.policy.MinLength,
		Signup:         s.cfg.Users.Signup.Enabled && s.registry != nil,
		Reset:          s.registry != nil,
		WebOTP:         s.cfg.OTP.WebOTP,
		ResendCooldown: int(s.cfg.OTP.ResendCooldown / time.Second),
	}
	if remember >= 48*time.Hour {
		d.RememberDays = int(remember.Round(24*time.Hour) / (24 * time.Hour))
	}
	d.PhoneExample, d.PhoneNational = phoneExample(s.region)
	return d
}

// t returns a message of the portal's catalogue.
func (s *core) t(id string, args ...any) string { return s.portal.msg.text(id, args...) }

func (s *core) render(c *gin.Context, status int, name string, d pageData) {
	d.CSRF = s.csrfToken(c)
	d.RequestID = c.Writer.Header().Get("X-Request-Id")
	d.Account = s.accountLink(c.Request)
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
func (s *core) setError(d *pageData, err error) int {
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
	case errors.As(err, &ce) && ce.Held:
		d.Fields = map[string]string{ce.Field: s.textOr("conflict.username_held", e.Message)}
	case errors.As(err, &ce):
		d.Fields = map[string]string{ce.Field: s.textOr("conflict."+ce.Field, e.Message)}
	case errors.As(err, &pe):
		d.Fields = map[string]string{"phone": s.textOr("phone."+pe.Reason, e.Message)}
	case len(e.Fields) > 0:
		d.Fields = e.Fields
	}
	s.refineError(d, err, e)
	switch len(d.Fields) {
	case 0:
	case 1:
		d.Error = "" // shown next to its field
	default:
		s.summarize(d)
	}
	return e.Status
}

// summarize lists d's field problems, in page order, for the summary over
// the form (which takes the focus).
func (s *core) summarize(d *pageData) {
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
	switch {
	case len(d.Errors) == 1:
		d.Error = s.t("error.invalid_input_one")
	case d.Error == "":
		d.Error = s.t("error.invalid_input")
	}
}

// refineError says more on a page than the API's message does
// (docs/contract.md, "Portal pages"): a code's last try is warned of, a
// code killed by wrong tries says so, and a ban says how long it lasts
// and offers the password reset.
func (s *core) refineError(d *pageData, err error, e apiError) {
	switch {
	case errors.Is(err, auth.ErrOTPAttemptsUsed):
		d.Error = s.t("otp.attempts_used")
	case errors.Is(err, auth.ErrOTPLastAttempt):
		d.Error = s.t("otp.last_attempt")
	case e.Code == "rate_limited" && isResendCooldown(err):
		if n := int((e.retryAfter + time.Second - 1) / time.Second); n > 1 {
			d.Error = s.t("otp.resend_too_soon", "time", n)
		} else {
			d.Error = s.t("otp.resend_too_soon_one")
		}
	case errors.Is(err, auth.ErrLastTryBeforeBan):
		d.Error = s.t("login.last_try", "wait", s.waitText(s.cfg.Regulation.BanTime))
		s.resetLink(d)
	case e.Code == "banned":
		if e.retryAfter > 0 {
			d.Error = s.t("error.banned_for", "wait", s.waitText(e.retryAfter))
		}
		s.resetLink(d)
	}
}

// isResendCooldown reports whether err is a code asked for again too soon.
func isResendCooldown(err error) bool {
	var rl *auth.RateLimitError
	return errors.As(err, &rl) && rl.Reason == "resend_cooldown"
}

// resetLink offers the password reset with an error, when it is offered.
func (s *core) resetLink(d *pageData) {
	if d.Reset {
		href := d.Prefix + "/reset"
		if d.RD != "" {
			href += "?rd=" + url.QueryEscape(d.RD)
		}
		d.ErrorLink = &pageLink{Href: href, Text: s.t("error.reset_password")}
	}
}

// waitText says a wait in whole minutes (rounded up), or hours past two.
func (s *core) waitText(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	switch {
	case m <= 1:
		return s.t("wait.minute")
	case m < 120:
		return s.t("wait.minutes", "n", m)
	}
	return s.t("wait.hours", "n", (m+59)/60)
}

// errorText is the page text of an API error: the catalogue's
// error.<code>, else the JSON message.
func (s *core) errorText(e apiError) string {
	if e.where != "" && s.portal.msg.has("error."+e.Code) {
		return s.t("error."+e.Code, "url", e.where)
	}
	return s.textOr("error."+e.Code, e.Message)
}

func (s *core) textOr(id, fallback string) string {
	if s.portal.msg.has(id) {
		return s.t(id)
	}
	return fallback
}

func (s *core) problemText(p auth.Problem) string {
	if s.portal.msg.has(p.ID) {
		return s.t(p.ID, "n", p.N)
	}
	return p.Text
}

func (s *core) errorData(e apiError) pageData {
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

// writeErrorPage writes the error page outside gin (the proxy's error
// handler); it has no form, so no CSRF token.
func (s *core) writeErrorPage(w http.ResponseWriter, r *http.Request, e apiError) {
	d := s.errorData(e)
	d.Home = s.home(r)
	d.RequestID = r.Header.Get("X-Request-Id")
	d.Account = s.accountLink(r)
	d.Retry = retryURL(r)
	h := w.Header()
	s.securityHeadersOn(h, r)
	h.Set("Content-Security-Policy", s.csp())
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(e.Status)
	if err := s.portal.tmpl.ExecuteTemplate(w, "error.html", d); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "page", "error.html", "error", err)
	}
}

// renderError writes the error page for e (fail has set the portal's
// security headers: an unknown portal path and a proxied refusal are
// outside the portal's route group).
func (s *core) renderError(c *gin.Context, e apiError) {
	if e.retryAfter > 0 {
		writeRetryAfter(c, e.retryAfter)
	}
	d := s.errorData(e)
	d.Home = s.home(c.Request)
	d.Retry = retryURL(c.Request)
	if e.Code == "forbidden" {
		// Say who is signed in: access may need another account.
		if _, u, err := s.currentUser(c); err == nil && u != nil {
			d.Username = u.Username
		}
	}
	s.render(c, e.Status, "error.html", d)
}
