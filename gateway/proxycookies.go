package gateway

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// The gateway's cookies are the gateway's (docs/contract.md, "Proxy
// mode"): an upstream answer may not set them. With session.cookie_domain
// an app's Set-Cookie for the session cookie reaches every host of the
// deployment, the portal's included, so an app (or whoever controls its
// answers: user content, a header injection) could sign each visitor
// into its own account on every app, or out of theirs. Proxy mode drops
// such a Set-Cookie from every upstream answer, bypass routes included.

// gatewayCookieNames are the names of the cookies the gateway sets and
// reads: the session cookie as configured and with either prefix (the
// one on the wire depends on session.cookie_domain, which a reload may
// change, and browsers keep the cookie they got under the other), the
// CSRF cookie, the two reset cookies and the known-device cookie, and
// the names those had in the configurations a reload replaced (Retire).
// Proxy mode removes them from requests and answers alike, and
// forward-auth from the Cookie it answers, compared without regard to
// case.
func (s *core) gatewayCookieNames() []string {
	if s.ownCookies != nil {
		return s.ownCookies
	}
	base := s.cfg.Session.CookieName
	return []string{
		base, "__Host-" + base, "__Secure-" + base, s.sessionCookieName(), s.csrfCookieName(),
		s.resetCookieName("_reset"), s.resetCookieName("_link"), s.deviceCookieName(),
	}
}

// dropGatewayCookies removes from an upstream answer's header h every
// Set-Cookie whose cookie a browser would send under one of the gateway's
// cookie names, compared without regard to case. An answer without
// Set-Cookie costs one map lookup.
func (s *core) dropGatewayCookies(h http.Header) {
	lines, ok := h["Set-Cookie"]
	if !ok {
		return
	}
	names := s.gatewayCookieNames()
	kept := lines[:0:0]
	for _, line := range lines {
		if !containsFold(names, setCookieName(line)) {
			kept = append(kept, line)
		}
	}
	if len(kept) == 0 {
		delete(h, "Set-Cookie")
		return
	}
	h["Set-Cookie"] = kept
}

// setCookieName is the name a browser sends the cookie of a Set-Cookie
// line under (RFC 6265bis, "Storage Model"): the name before the first
// "=", trimmed; a pair without "=" is a cookie without a name, and a
// cookie without a name is sent as its value alone, so its name is then
// its value's, up to the value's first "=".
func setCookieName(line string) string {
	pair, _, _ := strings.Cut(line, ";")
	name, value, ok := strings.Cut(pair, "=")
	if !ok {
		return strings.TrimSpace(pair)
	}
	if name = strings.TrimSpace(name); name == "" {
		name, _, _ = strings.Cut(strings.TrimSpace(value), "=")
	}
	return strings.TrimSpace(name)
}

// containsFold reports whether list holds s, compared without regard to
// case.
func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// dropAdminTokens removes from a request to an upstream every
// Authorization value that holds an admin bearer token
// (auth.CarriesAdminToken): it works on the admin API only, and an app
// that logs or shows its request headers would hand out the console
// (docs/contract.md, "Admin console"). The app's own credentials pass.
func dropAdminTokens(h http.Header) {
	vals := h["Authorization"]
	if !slices.ContainsFunc(vals, auth.CarriesAdminToken) {
		return // an app's own credentials: nothing to copy
	}
	kept := vals[:0:0]
	for _, v := range vals {
		if !auth.CarriesAdminToken(v) {
			kept = append(kept, v)
		}
	}
	if len(kept) == 0 {
		delete(h, "Authorization")
		return
	}
	h["Authorization"] = kept
}
