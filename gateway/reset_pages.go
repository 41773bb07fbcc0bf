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
		if d.Username, _ = s.resetAsked(c); d.Username != "" {
			d.Mode = "code"
			d.AskRecovery = s.resetAsksRecovery()
		}
	case "done":
		if s.notice(c, "step") == "done" { // else a link anyone can send: step one
			d.Mode, d.Title, d.Info = "done", "reset.done_title", s.t("reset.done")
		}
	}
	s.render(c, http.StatusOK, "reset.html", d)
}

// resetLoginTTL bounds how long the reset's second step remembers who.
const resetLoginTTL = 30 * time.Minute

// resetCookie is the cookie that carries the identifier typed at the
// reset's first step, and the handle of the reset it asked for, to the
// second: never the URL, where it would stay in the history and logs
// (docs/contract.md, "Password reset pages").
// It is host-only and limited to the reset's path, so browsers refuse
// the __Host- prefix for it: a Secure one is named __Secure-.
// suffix names one of its two uses: "_reset" (the identifier and the
// handle), "_link" (a set-password link's token).
func (s *core) resetCookie(suffix, value string, maxAge int) *http.Cookie {
	return s.resetCookieAt(s.prefix+"/reset", suffix, value, maxAge)
}

// apiResetCookie is the reset cookie of the API's path, which carries
// the handle of the reset step one of POST /api/reset asked for to its
// step two, for a client that does not send it back itself.
func (s *core) apiResetCookie(handle string, maxAge int) *http.Cookie {
	return s.resetCookieAt(s.prefix+"/api/reset", "_reset", handle, maxAge)
}

// resetCookieAt is the reset cookie of suffix on path.
func (s *core) resetCookieAt(path, suffix, value string, maxAge int) *http.Cookie {
	return &http.Cookie{ //nolint:gosec // G124: Secure is session.secure (false only for plain-http development, docs/contract.md); HttpOnly and SameSite=Lax set
		Name: s.resetCookieName(suffix), Value: url.QueryEscape(value), Path: path, MaxAge: maxAge,
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

// resetAsked is what the reset's first step remembered: the identifier
// typed and the handle of the reset it asked for, or "".
func (s *pagesSurface) resetAsked(c *gin.Context) (login, handle string) {
	v := s.resetCookieValue(c, "_reset")
	q, err := url.ParseQuery(v)
	if err != nil || !q.Has("u") {
		return v, "" // a cookie from before handles: the identifier alone
	}
	return q.Get("u"), q.Get("r")
}

// resetAskedValue is the reset cookie's value for login and handle.
func resetAskedValue(login, handle string) string {
	return url.Values{"u": {login}, "r": {handle}}.Encode()
}

// resetCookieValue is the value of the reset cookie of suffix, or "".
func (s *pagesSurface) resetCookieValue(c *gin.Context, suffix string) string {
	return s.namedCookieValue(c, s.resetCookieName(suffix))
}

// namedCookieValue is the (query-unescaped) value of the request's cookie
// name, or "".
func (s *core) namedCookieValue(c *gin.Context, name string) string {
	ck, err := c.Request.Cookie(name)
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
	q := url.Values{}
	if rd != "" {
		q.Set("rd", rd)
	}
	noStore(c)
	if step == "done" { // a notice: this browser's alone (notice.go)
		c.Redirect(http.StatusSeeOther, s.noticeURL(c, s.prefix+"/reset", q, "step", step))
		return
	}
	q.Set("step", step)
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
	_, handle := s.resetAsked(c)
	if c.PostForm("code") == "" && c.PostForm("password") == "" {
		handle, err := s.resetStart(c, login, handle)
		if err != nil {
			status := s.formError(c, &d, err)
			s.render(c, status, "reset.html", d)
			return
		}
		http.SetCookie(c.Writer, s.resetCookie("_reset", resetAskedValue(login, handle), int(resetLoginTTL/time.Second)))
		s.resetRedirect(c, "code", d.RD)
		return
	}
	d.Mode = "code"
	d.AskRecovery = s.resetAsksRecovery()
	in := auth.ResetIn{Login: login, Code: c.PostForm("code"), Password: c.PostForm("password"), RecoveryCode: c.PostForm("recovery_code"), Handle: handle}
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
	u, err := s.login.PasswordLinkUser(c.Request.Context(), s.linkCookieToken(c))
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

// linkCookieToken is the set-password link's token in the request's
// cookie, or "" (no link) when it carries more than one cookie of that
// name: the portal sets one, host-only, so another was set by a sibling
// host of the same site for the whole site, and which of them the person
// opened nothing tells (docs/contract.md, "Admin console").
func (s *pagesSurface) linkCookieToken(c *gin.Context) string {
	name := s.resetCookieName("_link")
	n := 0
	for _, ck := range c.Request.Cookies() {
		if ck.Name == name {
			n++
		}
	}
	if n > 1 {
		s.log.InfoContext(c.Request.Context(), "set-password link refused: two link cookies, one set by another host of the site", "path", c.Request.URL.Path, "ip", s.clientIP(c))
		return ""
	}
	return s.resetCookieValue(c, "_link")
}

// linkSubmit is POST /reset with link=1: sets the password of the link's
// account, which spends the link. The form names the account its page
// showed (username), and the link in the cookie must be that account's:
// a sibling host can overwrite the cookie between the page and the post
// (docs/contract.md, "Admin console"). A form without one is refused.
func (s *pagesSurface) linkSubmit(c *gin.Context) {
	account := c.PostForm("username")
	if account == "" {
		s.fail(c, auth.ErrPasswordLinkInvalid)
		return
	}
	err := s.login.SetPasswordWithLink(c.Request.Context(), s.client(c), s.linkCookieToken(c), account, c.PostForm("password"))
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
