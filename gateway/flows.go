package gateway

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// otpInfo is what a client is told about a code that was sent.
type otpInfo struct {
	To        string `json:"to"`
	ExpiresIn int    `json:"expires_in"`
	ResendIn  int    `json:"resend_in"`
}

// targetRoute returns the route a login is for: that of rd (already
// validated), or else of the request's own host.
func (s *core) targetRoute(c *gin.Context, rd string) *route {
	if rd == "" {
		rd = s.home(c.Request)
	}
	host, p := normalizeHost(c.Request.Host), "/"
	if rd != "" {
		if u, err := url.Parse(rd); err == nil {
			if u.Host != "" {
				host = normalizeHost(u.Host)
			}
			if u.Path != "" {
				p = u.EscapedPath()
			}
			if u.Path == s.prefix+"/account" {
				// The portal's account page, on whatever host.
				return accountRoute(u.Query().Get("confirm") != "", false) // forUser completes it
			}
		}
	}
	rp, err := readPath(p)
	if err != nil {
		return nil // the front door refuses it anyway
	}
	rt, _, err := s.routes().resolve(host, &rp, "GET")
	if err != nil {
		return nil
	}
	return rt
}

// home is where the portal sends a person with nowhere else to go (no
// rd): the app at "/" of the request's host when a route serves it, else
// the account page, which needs every method the account signs in with
// (docs/contract.md, "Portal pages").
func (s *core) home(r *http.Request) string {
	if rp, err := readPath("/"); err == nil {
		if rt, _, err := s.routes().resolve(normalizeHost(r.Host), &rp, http.MethodGet); err == nil && rt != nil && rt.policy != PolicyDeny {
			return "/"
		}
	}
	return s.accountLink(r)
}

// orHome is rd, or home when there is none.
func (s *core) orHome(c *gin.Context, rd string) string {
	if rd == "" {
		return s.home(c.Request)
	}
	return rd
}

// appName is what the portal calls the app of rt: its display_name, else
// portal.app_name.
func (s *core) appName(rt *route) string {
	if rt != nil && rt.display != "" {
		return rt.display
	}
	return s.portal.brand.AppName
}

// client is who a request comes from, for the login service.
func (s *core) client(c *gin.Context) auth.Client {
	return auth.Client{IP: s.clientIP(c), UserAgent: c.Request.UserAgent(), Devices: s.deviceOf(c)}
}

// passwordLogin is the password step for the request's session (a new one
// when it has none): the login service decides, the target route (rd's)
// says whether a second factor is needed and which. next is the second
// factor asked next without a text sent: auth.MethodHWK (a passkey),
// auth.MethodOTP (the authenticator app's code) or "". A refusal is held
// to RefusedLoginDelay.
func (s *core) passwordLogin(c *gin.Context, login, password string, remember bool, rd string) (_ *auth.Session, _ *otpInfo, next string, err error) {
	ctx := c.Request.Context()
	defer s.slowRefusal(ctx, s.now(), &err)
	sess, err := s.loadSession(c)
	if err != nil {
		return nil, nil, "", err
	}
	rt := s.targetRoute(c, rd)
	st, err := s.login.Password(ctx, s.client(c), sess, auth.PasswordIn{
		Login: login, Password: password, Remember: remember,
		NeedsCode: func(sess *auth.Session, u *auth.User) bool { return s.codeNeeded(ctx, sess, u, rt) },
		Accepts: func(sess *auth.Session, u *auth.User) []string {
			_, accepted, _ := s.secondNeeded(ctx, sess, u, rt)
			return accepted
		},
	})
	switch {
	case st.Passkey:
		next = auth.MethodHWK
	case st.TOTP:
		next = auth.MethodOTP
	}
	return st.Session, s.otpInfoFor(st.Code), next, err
}

// otpInfoFor is what a client is told of a code sent (nil: none).
func (s *core) otpInfoFor(ch *auth.Challenge) *otpInfo {
	if ch == nil {
		return nil
	}
	return &otpInfo{
		To:        auth.MaskPhone(ch.Phone),
		ExpiresIn: int(ch.ExpiresAt().Sub(s.now()).Round(time.Second) / time.Second),
		ResendIn:  int((s.otp.ResendIn(ch) + time.Second - 1) / time.Second),
	}
}

// verifyCode checks code against the request session's pending challenge.
func (s *core) verifyCode(c *gin.Context, code string) (*auth.Session, error) {
	sess, err := s.loadSession(c)
	if err != nil {
		return nil, err
	}
	st, err := s.login.VerifyCode(c.Request.Context(), s.client(c), sess, code)
	return st.Session, err
}

// resendCode sends a new code for the request session's pending login, or
// starts a step-up for its signed-in user.
func (s *core) resendCode(c *gin.Context) (*auth.Session, *otpInfo, error) {
	sess, u, err := s.currentUser(c)
	if err != nil {
		return nil, nil, err
	}
	st, err := s.login.Resend(c.Request.Context(), s.client(c), sess, u)
	return st.Session, s.otpInfoFor(st.Code), err
}

// smsStart begins a passwordless login for phone, where code-only sign-in
// is enabled: users.passwordless, or a route with the sms policy. Anywhere
// else anyone could text a code to any account's number and spend its
// send quota (docs/contract.md, "Policies").
func (s *core) smsStart(c *gin.Context, phone string, remember bool) (*auth.Session, *otpInfo, error) {
	if !s.passwordless() {
		return nil, nil, errPasswordlessOff
	}
	sess, err := s.loadSession(c)
	if err != nil {
		return nil, nil, err
	}
	st, err := s.login.Passwordless(c.Request.Context(), s.client(c), sess, phone, remember)
	return st.Session, s.otpInfoFor(st.Code), err
}

// logout deletes the session everywhere and any pending code, and tells
// the browser to drop the cookie and what it cached of this origin, so
// Back cannot show the signed-out person's pages (docs/contract.md). A
// sign-out the store could not make leaves the cookie, to sign out again
// with: dropped, the session would live on unseen ("Sessions end when
// they are ended").
func (s *core) logout(c *gin.Context) error {
	if err := s.login.Logout(c.Request.Context(), s.client(c), s.cookieValue(c.Request)); err != nil {
		return err
	}
	s.signedOut(c)
	return nil
}

// signedOut tells the browser of a session just ended by its own request
// (a sign-out, or its end from the account page's list) to drop the
// cookie and what it cached of this origin, so that Back cannot show the
// signed-out person's pages (docs/contract.md).
func (s *core) signedOut(c *gin.Context) {
	s.clearSessionCookie(c)
	c.Writer.Header()["Clear-Site-Data"] = valClearCache
}

// passwordless reports whether code-only sign-in is enabled.
func (s *core) passwordless() bool {
	if s.cfg.Users.Passwordless {
		return true
	}
	for _, r := range s.routes().routes {
		if r.policy == PolicySMS {
			return true
		}
	}
	return false
}
