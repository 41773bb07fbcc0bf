package gateway

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// resetPage is GET /reset: step one (who), or step two (code and new
// password) when ?u= is set.
func (s *pagesSurface) resetPage(c *gin.Context) {
	if token := c.Query("token"); token != "" {
		// A set-password link: the token moves to a cookie at once, out
		// of the address bar, the history and any Referer.
		http.SetCookie(c.Writer, s.resetCookie("_link", token, int(resetLoginTTL/time.Second)))
		s.resetRedirect(c, "link", "")
		return
	}
	if c.Query("step") == "link" {
		s.linkPage(c, pageData{}, http.StatusOK)
		return
	}
	if s.registry == nil || !s.cfg.Users.Reset.Enabled {
		s.fail(c, auth.ErrResetUnavailable)
		return
	}
	d := s.page("reset.title")
	d.RD = s.rdParam(c)
	switch c.Query("step") {
	case "code":
		if d.Username = s.resetLogin(c); d.Username != "" {
			d.Mode = "code"
			d.AskRecovery = s.resetAsksRecovery()
		}
	case "done":
		d.Mode, d.Title, d.Info = "done", "reset.done_title", s.t("reset.done")
	}
	s.render(c, http.StatusOK, "reset.html", d)
}

// resetLoginTTL bounds how long the reset's second step remembers who.
const resetLoginTTL = 30 * time.Minute

// resetCookie is the cookie that carries the identifier typed at the
// reset's first step to the second: never the URL, where it would stay
// in the history and logs (docs/contract.md, "Portal pages").
// It is host-only and limited to the reset's path, so browsers refuse
// the __Host- prefix for it: a Secure one is named __Secure-.
// suffix names one of its two uses: "_reset" (the identifier), "_link"
// (a set-password link's token).
func (s *pagesSurface) resetCookie(suffix, value string, maxAge int) *http.Cookie {
	return &http.Cookie{ //nolint:gosec // G124: Secure is session.secure (false only for plain-http development, docs/contract.md); HttpOnly and SameSite=Lax set
		Name: s.resetCookieName(suffix), Value: url.QueryEscape(value), Path: s.prefix + "/reset", MaxAge: maxAge,
		Secure: s.cfg.Session.Secure, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	}
}

// resetCookieName is the name of the reset cookie of suffix.
func (s *core) resetCookieName(suffix string) string {
	name := strings.TrimPrefix(strings.TrimPrefix(s.cfg.Session.CookieName, "__Host-"), "__Secure-") + suffix
	if s.cfg.Session.Secure {
		name = "__Secure-" + name
	}
	return name
}

// resetLogin is the identifier the reset's first step remembered, or "".
func (s *pagesSurface) resetLogin(c *gin.Context) string {
	return s.resetCookieValue(c, "_reset")
}

// resetCookieValue is the value of the reset cookie of suffix, or "".
func (s *pagesSurface) resetCookieValue(c *gin.Context, suffix string) string {
	ck, err := c.Request.Cookie(s.resetCookie(suffix, "", 0).Name)
	if err != nil {
		return ""
	}
	v, err := url.QueryUnescape(ck.Value)
	if err != nil {
		return ""
	}
	return v
}

// resetRedirect ends a reset POST with a redirect to its next step.
func (s *pagesSurface) resetRedirect(c *gin.Context, step, rd string) {
	q := url.Values{"step": {step}}
	if rd != "" {
		q.Set("rd", rd)
	}
	noStore(c)
	c.Redirect(http.StatusSeeOther, s.prefix+"/reset?"+q.Encode())
}

// resetSubmit is POST /reset, for both steps.
func (s *pagesSurface) resetSubmit(c *gin.Context) {
	if c.PostForm("link") != "" {
		s.linkSubmit(c)
		return
	}
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
		http.SetCookie(c.Writer, s.resetCookie("_reset", login, int(resetLoginTTL/time.Second)))
		s.resetRedirect(c, "code", d.RD)
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
	http.SetCookie(c.Writer, s.resetCookie("_reset", "", -1))
	s.resetRedirect(c, "done", d.RD)
}

// linkPage is GET /reset?step=link: the new password for the account of
// the set-password link in the cookie (docs/contract.md, "Admin
// console"), or the error page for a link that no longer works.
func (s *pagesSurface) linkPage(c *gin.Context, d pageData, status int) {
	u, err := s.login.PasswordLinkUser(c.Request.Context(), s.resetCookieValue(c, "_link"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if d.Title == "" {
		d = s.page("reset.link_title")
	}
	d.Mode, d.Username = "link", u.Username
	s.render(c, status, "reset.html", d)
}

// linkSubmit is POST /reset with link=1: sets the password of the link's
// account, which spends the link.
func (s *pagesSurface) linkSubmit(c *gin.Context) {
	err := s.login.SetPasswordWithLink(c.Request.Context(), s.client(c), s.resetCookieValue(c, "_link"), c.PostForm("password"))
	var ie *auth.InputError
	if errors.As(err, &ie) {
		d := s.page("reset.link_title")
		status := s.formError(c, &d, err)
		s.linkPage(c, d, status)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	http.SetCookie(c.Writer, s.resetCookie("_link", "", -1))
	s.resetRedirect(c, "done", "")
}
