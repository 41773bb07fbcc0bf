package gateway

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// sessionCookieName is the configured name with a prefix when the cookie
// is Secure and the name has none of its own ("__..."): __Host- for a
// host-only cookie, which browsers then refuse from a sibling subdomain or
// over plain http, so it cannot be planted (fixation by cookie tossing) or
// shadowed; __Secure- for a cookie_domain cookie, which browsers refuse
// from a plain-http response (docs/contract.md, "Session cookie names").
func (s *core) sessionCookieName() string {
	if s.cookieName != "" {
		return s.cookieName
	}
	name := s.cfg.Session.CookieName
	switch {
	case !s.cfg.Session.Secure || strings.HasPrefix(name, "__"):
		return name
	case s.cfg.Session.CookieDomain == "":
		return "__Host-" + name
	default:
		return "__Secure-" + name
	}
}

// maxCookieValue bounds the cookie we read; ours is 43 characters.
const maxCookieValue = 64

// cookieValue returns the session cookie's value, or "".
func (s *core) cookieValue(r *http.Request) string {
	ck, err := r.Cookie(s.sessionCookieName())
	if err != nil || len(ck.Value) > maxCookieValue {
		return ""
	}
	return ck.Value
}

// loadSession returns the request's session or nil when there is none.
// It returns an error only when the store failed: callers fail closed.
func (s *core) loadSession(c *gin.Context) (*auth.Session, error) {
	return s.sessionOf(c.Request.Context(), c.Request)
}

// sessionOf is loadSession for r, with ctx for the store and its logs.
func (s *core) sessionOf(ctx context.Context, r *http.Request) (*auth.Session, error) {
	id := s.cookieValue(r)
	if id == "" {
		return nil, nil
	}
	sess, err := s.sessions.Load(ctx, id)
	if errors.Is(err, auth.ErrSessionNotFound) {
		return nil, nil
	}
	return sess, err
}

// currentUser returns the session and its user when the session is
// authenticated and the user still exists, is enabled and has the
// credentials the session was made with.
func (s *core) currentUser(c *gin.Context) (*auth.Session, *auth.User, error) {
	return s.userOf(c.Request.Context(), c.Request)
}

// userOf is currentUser for r, with ctx for the store, the user backend
// and their logs. A session whose user is gone or disabled, or whose
// credential generation is not the user's any more (docs/contract.md,
// "Sessions end when credentials change"), is signed out: nil. The check
// is a string comparison: backends compute generations once per record.
func (s *core) userOf(ctx context.Context, r *http.Request) (*auth.Session, *auth.User, error) {
	sess, err := s.sessionOf(ctx, r)
	if err != nil || sess == nil || !sess.Authenticated() {
		return sess, nil, err
	}
	u, err := s.users.Lookup(ctx, sess.User)
	switch {
	case errors.Is(err, auth.ErrUserNotFound):
		return nil, nil, nil
	case err != nil:
		return nil, nil, err
	case u.Disabled || u.Username != sess.User || sess.Gen != u.Generation:
		return nil, nil, nil
	}
	return sess, u, nil
}

// revokeDisabled ends every session of accounts the user backend found
// disabled (auth.DisableNotifier), so that enabling one again does not
// bring its sessions back.
func (s *core) revokeDisabled(ctx context.Context, usernames []string) {
	for _, name := range usernames {
		n, err := s.sessions.RevokeUser(ctx, name, "")
		if err != nil {
			s.log.WarnContext(ctx, "sessions of a disabled account not ended", "user", name, "error", err)
			continue
		}
		if n > 0 {
			s.log.InfoContext(ctx, "sessions of a disabled account ended", "user", name, "sessions", n)
		}
	}
}

// setSessionCookie writes the cookie for sess, and the known-device
// cookie its sign-in made, if one did.
func (s *core) setSessionCookie(c *gin.Context, sess *auth.Session) {
	ck := s.baseCookie() //nolint:gosec // G124: Secure is session.secure (default true; false only for plain-http development, docs/contract.md), HttpOnly and SameSite set by baseCookie
	ck.Value = sess.ID
	if age := s.sessions.MaxAge(sess); age > 0 {
		ck.MaxAge = int(age.Seconds())
	}
	http.SetCookie(c.Writer, ck)
	s.setDeviceCookie(c, sess)
}

// clearSessionCookie tells the browser to drop the cookie.
func (s *core) clearSessionCookie(c *gin.Context) {
	ck := s.baseCookie() //nolint:gosec // G124: Secure is session.secure (default true; false only for plain-http development, docs/contract.md), HttpOnly and SameSite set by baseCookie
	ck.MaxAge = -1
	http.SetCookie(c.Writer, ck)
}

// baseCookie is the session cookie without a value: HttpOnly, Secure as
// session.secure says, SameSite as session.same_site says (Lax unless
// strict or none).
func (s *core) baseCookie() *http.Cookie {
	ck := &http.Cookie{ //nolint:gosec // G124: Secure is session.secure (default true; false only for plain-http development, docs/contract.md); SameSite is set below
		Name:     s.sessionCookieName(),
		Path:     "/",
		Domain:   s.cfg.Session.CookieDomain,
		Secure:   s.cfg.Session.Secure,
		HttpOnly: true,
	}
	switch strings.ToLower(s.cfg.Session.SameSite) {
	case "strict":
		ck.SameSite = http.SameSiteStrictMode
	case "none":
		ck.SameSite = http.SameSiteNoneMode
	default:
		ck.SameSite = http.SameSiteLaxMode
	}
	return ck
}

// noStore marks a response as not cacheable (anything with a session or
// code).
func noStore(c *gin.Context) {
	h := c.Writer.Header()
	h["Cache-Control"] = valNoStore
	h["Pragma"] = valNoCache
}
