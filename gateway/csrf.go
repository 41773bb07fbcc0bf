package gateway

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gin-gonic/gin"
)

// csrfField is the hidden form field carrying the token.
const csrfField = "csrf"

// Forms are protected with a signed double-submit token: a random value in
// a host-only cookie, and in every form HMAC(key, value). A page on
// another site can make a browser post a form but can neither read the
// cookie nor forge the HMAC; SameSite cookies and an Origin check add
// defence in depth. JSON endpoints are protected by requiring
// Content-Type: application/json, which a cross-site form cannot send.

func (s *core) csrfCookieName() string {
	name := s.cfg.Session.CookieName + "_csrf"
	if s.cfg.Session.Secure {
		return "__Host-" + name // host-only, Secure, Path=/
	}
	return name
}

func (s *core) csrfTokenFor(value string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfToken returns the token for this browser's forms, setting the
// cookie when the browser has none yet.
func (s *core) csrfToken(c *gin.Context) string {
	value := s.formCookie(c)
	if value == "" {
		return ""
	}
	return s.csrfTokenFor(value)
}

// formCookie returns the random value of this browser's form cookie,
// which tells it from every other browser: the one it sent, or one set
// now when it has none ("" when no random value could be made).
func (s *core) formCookie(c *gin.Context) string {
	if ck, err := c.Request.Cookie(s.csrfCookieName()); err == nil && len(ck.Value) == 43 {
		return ck.Value
	}
	if v, ok := c.Get("csrf_value"); ok {
		return v.(string)
	}
	value, err := auth.RandomToken(32)
	if err != nil {
		return ""
	}
	c.Set("csrf_value", value)
	http.SetCookie(c.Writer, &http.Cookie{ //nolint:gosec // G124: HttpOnly and SameSite=Lax; Secure is session.secure (default true; false only for plain-http development, docs/contract.md)
		Name:     s.csrfCookieName(),
		Value:    value,
		Path:     "/",
		Secure:   s.cfg.Session.Secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	})
	return value
}

// checkCSRF refuses a form post whose token does not match the cookie,
// whose Origin is another site, or that the browser says a page of
// another site or of a sibling host sent (otherSitesRequest), before any
// work is done. The portal's forms are posted by its own pages only: a
// sibling host can set a form cookie of its own for the whole site where
// it has no __Host- prefix (session.secure off), and post with the token
// a page gave it for that cookie and Origin null (docs/contract.md,
// "CSRF").
func (s *core) checkCSRF(c *gin.Context) {
	if s.foreignOrigin(c.Request) {
		s.csrfFail(c, "the form was posted from another site (Origin)", errCSRF)
		return
	}
	if otherSitesRequest(c.Request.Header) {
		s.csrfFail(c, "the form was posted from another site or a sibling host (Sec-Fetch-Site)", errCSRF)
		return
	}
	ck, err := c.Request.Cookie(s.csrfCookieName())
	if err != nil && s.cfg.Session.Secure && !s.requestIsHTTPS(c.Request) {
		// The likeliest cause by far: the browser refused the Secure
		// cookie the form's page set, because the page came over plain
		// http. Say so, to the person and in the log.
		s.csrfFail(c, "no form cookie: this page was reached over plain http, but session.secure is true, so the browser does not keep the gateway's Secure cookies; use https, or for a local try run serve --dev, or set session.secure: false and an http public_url", errCSRFInsecure)
		return
	}
	got := c.PostForm(csrfField)
	switch {
	case err != nil:
		s.csrfFail(c, "no form cookie (blocked cookies, or a page older than the cookie)", errCSRF)
	case len(ck.Value) != 43 || got == "" || !hmac.Equal([]byte(got), []byte(s.csrfTokenFor(ck.Value))):
		s.csrfFail(c, "the form's token does not match its cookie (an old page, or another site's form)", errCSRF)
	default:
		c.Next()
	}
}

// ownRequest reports a request the browser says a page of this origin
// asked for (Sec-Fetch-Site same-origin), which no other page can make
// it say. Another site's link, a sibling host's img or frame (cookies
// are sent to them, SameSite being the site's, not the host's), a link
// opened from a mail or chat app (Sec-Fetch-Site none, as for an address
// typed: the browser cannot tell them apart) and a request that does not
// say (a browser before Chrome 76, Firefox 90 or Safari 16.4, or no
// browser) are not: a GET whose side effect is an audit record is made
// only for one (docs/contract.md, "Admin console").
func ownRequest(r *http.Request) bool {
	return r.Header.Get("Sec-Fetch-Site") == "same-origin"
}

// otherSitesRequest reports a request the browser says another site's
// page, or a sibling host's, asked for (Sec-Fetch-Site cross-site or
// same-site). The portal's own pages and script never make one: a JSON
// endpoint refuses it even without an Origin, which a browser or an
// extension may strip while it keeps Sec-Fetch-* (docs/contract.md, "JSON
// endpoints"), and a form even with Origin null (checkCSRF).
func otherSitesRequest(h http.Header) bool {
	switch h.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	}
	return false
}

// pageLoad reports a request whose answer the person sees: a page load
// (Sec-Fetch-Dest document), or one from a browser that does not say.
// An img, a frame (the portal's pages refuse to be framed), a script or
// another page's fetch is not, nor a page fetched ahead of a navigation
// that may never come (a prefetch or prerender, which another page's
// speculation rules or link can ask for: Sec-Fetch-Dest document, but
// marked Sec-Purpose, Purpose or X-Moz), so a GET whose side effect is
// for the person to see (the once-only offer of recovery codes) waits
// for one (docs/contract.md, "Recovery codes").
func pageLoad(r *http.Request) bool {
	for _, h := range []string{"Sec-Purpose", "Purpose", "X-Moz"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	d := r.Header.Get("Sec-Fetch-Dest")
	return d == "" || d == "document"
}

// carriesAuthorization reports an admin API request with an
// Authorization header, which is judged by it alone (consoleSurface.admin:
// a valid bearer token, else 401 invalid_token), never by a cookie a
// page could borrow.
func carriesAuthorization(c *gin.Context) bool { return c.GetHeader("Authorization") != "" }

// bearerKey is the gin context key under which consoleSurface.admin
// keeps the name of the bearer token that it found valid.
const bearerKey = "admin_bearer_token"

// bearerCredential returns the credentials of an Authorization value
// under the scheme "Bearer", spelt in any case (RFC 9110 section 11.1;
// docs/contract.md, "Admin console"), and whether it was that scheme: a
// space must follow the scheme, and further spaces are dropped.
func bearerCredential(h string) (string, bool) {
	scheme, cred, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return cred, true
}

// byToken reports a request whose administrator is a bearer token that
// consoleSurface.admin found valid. An Authorization header alone is not
// one: a browser sends the front door's Basic or Negotiate credentials by
// itself with every request to the host, another site's link included
// (docs/contract.md, "Admin console").
func byToken(c *gin.Context) bool { return c.GetString(bearerKey) != "" }

// csrfFail refuses a form post, logging why (never the token).
func (s *core) csrfFail(c *gin.Context, why string, err error) {
	s.log.InfoContext(c.Request.Context(), "form refused: csrf check failed", "path", loggedPath(c.Request.URL.Path), "ip", s.clientIP(c), "why", why)
	s.fail(c, err)
}

// opaqueOrigin reports a request (its header h) whose Origin is "null".
// Portal forms may send it legitimately (a form post from a page with
// Referrer-Policy: no-referrer has an opaque origin), so only the JSON
// API and WebSocket handshakes refuse it.
func opaqueOrigin(h http.Header) bool {
	for _, v := range h["Origin"] {
		if strings.EqualFold(strings.TrimSpace(v), "null") {
			return true
		}
	}
	return false
}

// foreignOrigin reports a browser request sent by a page of another host,
// or of another port of this one (another program; cookies do not tell
// ports apart, so the Origin must), or over plain http to a request that
// came over https (a page a network attacker served on http:// of this
// host), as browsers send Origin on every cross-origin POST. The port
// the client used is the one in Host; a front door that drops it
// (nginx's $host) leaves public_url's port to compare with on its host,
// and nothing on the others (docs/contract.md, "JSON API").
func (s *core) foreignOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return false
	}
	_, port, known := s.asked(r)
	return foreignTo(origin, s.requestIsHTTPS(r), r.Host, port, known)
}

// foreignTo is the rule of foreignOrigin: whether origin, an Origin
// header's value, names a page of another origin than that of a request
// asked at host (host[:port]) over https or not, port being the port it
// was asked at (explicitPort) when known: another host, a scheme other
// than http and https, http:// for a request over https, another port.
// No Origin and "null" (no page, an opaque one) are not foreign here:
// whoever refuses an opaque origin says so (opaqueOrigin).
func foreignTo(origin string, https bool, host, port string, known bool) bool {
	if origin == "" || origin == "null" {
		return false
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || normalizeHost(u.Host) != normalizeHost(host) {
		return true
	}
	if u.Scheme == "http" && https {
		return true
	}
	return known && explicitPort(u.Scheme, u.Host) != port
}

// asked is the authority r was asked at and the port in it (explicitPort):
// its Host, or public_url's authority when Host names public_url's host
// without a port (a front door that drops it, nginx's $host). known is
// false for another host without a port, whose port nothing tells.
func (s *core) asked(r *http.Request) (authority, port string, known bool) {
	h := strings.ToLower(r.Host)
	if _, _, err := net.SplitHostPort(h); err == nil {
		return h, explicitPort("", h), true
	}
	if normalizeHost(h) == normalizeHost(s.publicURL.Host) {
		return strings.ToLower(s.publicURL.Host), explicitPort(s.publicURL.Scheme, s.publicURL.Host), true
	}
	return h, "", false
}

// explicitPort is the port written in authority, "" for none or for
// scheme's default (80, 443; either when scheme is unknown, as for a
// request's Host behind a front door that ended TLS).
func explicitPort(scheme, authority string) string {
	_, port, err := net.SplitHostPort(authority)
	if err != nil {
		return ""
	}
	switch {
	case port == "443" && scheme != "http", port == "80" && scheme != "https":
		return ""
	}
	return port
}
