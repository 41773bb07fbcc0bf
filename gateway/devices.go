package gateway

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// The known-device cookie (docs/contract.md, "Known devices"): given with
// the session cookie when a sign-in completed, on the session cookie's
// domain (one browser is one device on every host of the deployment),
// sent back only to the portal's paths, where people sign in: proxy mode
// never forwards those. SameSite=Strict: every page that signs in is the
// portal's own.

// deviceCookieName is the known-device cookie's name: the session
// cookie's base name with "_device", "__Secure-" when session.secure
// (Path is portal_prefix, so not "__Host-").
func (s *core) deviceCookieName() string {
	if s.deviceCookie != "" {
		return s.deviceCookie
	}
	return s.resetCookieName("_device")
}

// maxDeviceCookies bounds the known-device cookies read from one
// request: a browser sends one per path that matches, and a portal path
// has a handful.
const maxDeviceCookies = 16

// deviceOf is every known-device value the request's cookies hold, in
// the order sent: at most auth.MaxDeviceAccounts of each cookie (one for
// each account the browser is known as), of at most maxDeviceCookies
// cookies; nil when none (or known devices are off). Not only the first
// cookie: one a sibling subdomain set under a longer path comes before
// the portal's own, and holding more values buys it no more of the
// cookies after it (docs/contract.md, "Known devices").
func (s *core) deviceOf(c *gin.Context) []string {
	if s.devices == nil {
		return nil
	}
	var out []string
	for i, ck := range c.Request.CookiesNamed(s.deviceCookieName()) {
		if i == maxDeviceCookies {
			break
		}
		out = append(out, auth.SplitDevices(ck.Value)...)
	}
	return out
}

// setDeviceCookie gives the browser the known-device cookie the login
// service made for sess, if it made one.
func (s *core) setDeviceCookie(c *gin.Context, sess *auth.Session) {
	if s.devices == nil || sess.Device == "" {
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{ //nolint:gosec // G124: Secure is session.secure (false only for plain-http development, docs/contract.md); HttpOnly and SameSite=Strict set
		Name: s.deviceCookieName(), Value: sess.Device, Path: s.prefix, Domain: s.cfg.Session.CookieDomain,
		MaxAge: int(s.devices.Lifetime().Seconds()),
		Secure: s.cfg.Session.Secure, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}
