package frontdoor_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// separatorSpellings returns every spelling of name with '-' or '_' at
// each of its separators: X-Auth-User, X_Auth-User, X-Auth_User,
// X_Auth_User. CGI, PHP, Rack and other servers that turn headers into
// HTTP_X_AUTH_USER read each of them as X-Auth-User, so the front door
// must delete every one of them from the client's request (docs/contract.md,
// "Identity headers (to upstreams and in forward-auth 200s)").
func separatorSpellings(name string) []string {
	out := []string{""}
	for i, part := range strings.Split(name, "-") {
		if i == 0 {
			out[0] = part
			continue
		}
		next := make([]string, 0, 2*len(out))
		for _, s := range out {
			next = append(next, s+"-"+part, s+"_"+part)
		}
		out = next
	}
	return out
}

// everySpelling returns separatorSpellings(name) and, for each byte of
// otherSeparators, name with that byte at every separator and at the
// first only (X.Auth.User, X.Auth-User).
func everySpelling(name string) []string {
	out := separatorSpellings(name)
	for _, sep := range otherSeparators {
		out = append(out, spelledWith(name, sep)...)
	}
	return out
}

// spelledWith returns name with sep at every separator and at the first
// only: X.Auth.User, X.Auth-User.
func spelledWith(name string, sep rune) []string {
	return []string{strings.ReplaceAll(name, "-", string(sep)), strings.Replace(name, "-", string(sep), 1)}
}

// pathHeaders are the headers that carry a request's real path or URL
// to an app (docs/contract.md, "Proxy mode"): IIS URL Rewrite, Zend
// Framework 1 (Magento 1), Yii, Symfony before 3.4.14 read X-Original-URL
// or X-Rewrite-URL in place of the request line's path, without being
// told to; Spring, ASP.NET Core and Rack read the prefix ones. A client's
// copy would have the app serve another page than the one Gatehouse
// decided on, so the shipped configs delete them as they delete the
// identity headers.
var pathHeaders = []string{"X-Original-URL", "X-Original-URI", "X-Rewrite-URL", "X-Forwarded-Prefix", "X-Forwarded-Path", "X-Forwarded-Uri"}

// checkForgedSpellings sends the identity headers and the path headers
// in every separator spelling, in three cases each, and checks that none
// of the client's values reaches the app, signed in on a protected route
// and on a bypass route, and anonymous on a bypass route.
func checkForgedSpellings(t *testing.T, w *world, signedIn *browser) {
	forged := http.Header{}
	for _, name := range append(identityHeaders[:len(identityHeaders):len(identityHeaders)], pathHeaders...) {
		for _, s := range separatorSpellings(name) {
			for _, spelling := range []string{s, strings.ToLower(s), strings.ToUpper(s)} {
				forged[spelling] = []string{"mallory " + spelling}
			}
		}
	}
	forgedReachNoApp(t, w, signedIn, forged, func(*testing.T, seen) {})
}

// forgedReachNoApp sends forged headers, each value starting "mallory",
// signed in on a protected route and on a bypass route, and anonymous on
// a bypass route, and checks that no value of the client's reaches the
// app, nor (more) anything else wrong with what it got.
func forgedReachNoApp(t *testing.T, w *world, signedIn *browser, forged http.Header, more func(t *testing.T, got seen)) {
	t.Helper()
	anon := newBrowser(t, w.roots)
	for _, tc := range []struct {
		name string
		b    *browser
		path string
	}{
		{"signed in, protected route", signedIn, "/deals"},
		{"signed in, bypass route", signedIn, "/public/info"},
		{"anonymous, bypass route", anon, "/public/info"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.b.get(w.appURL+tc.path, forged).wantStatus(t, http.StatusOK)
			got := w.app.last(t)
			if got.Path != tc.path {
				t.Fatalf("the app's last request is %s, want %s", got.Path, tc.path)
			}
			for name, vs := range got.Header {
				for _, v := range vs {
					if strings.Contains(v, "mallory") {
						t.Errorf("through %s the app got the client's %s: %q", w.name, name, v)
					}
				}
			}
			more(t, got)
		})
	}
}

// otherSeparators are the bytes besides '-' that an HTTP header name may
// hold (RFC 9110's tchar: Go's servers, Caddy and Traefik, refuse a
// request with any other, and nginx drops such a name) and that are
// neither a letter nor a digit: CGI, FastCGI and
// SCGI servers (lighttpd) name the variable an app reads with '_' for
// each of them, and PHP reads '.' as '_', so X.Auth.User and X~Auth~User
// are X-Auth-User to such an app (docs/contract.md, "Identity headers (to
// upstreams and in forward-auth 200s)").
const otherSeparators = "!#$%&'*+.^_`|~"

// methodOverrideHeaders are the headers Rails, Laravel, Symfony, Express
// and ASP.NET read as the request's method (docs/contract.md, "Routes:
// path_prefix and methods").
var methodOverrideHeaders = []string{"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"}

// proxySetHeaders are the headers a front door sets for the app (or
// Gatehouse) itself, which an app reads as its proxy's word: the client's
// address, scheme, host and method.
var proxySetHeaders = []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port",
	"X-Forwarded-Server", "X-Forwarded-Method", "X-Original-Method", "X-Real-IP", "X-Request-Id"}

// otherSeparatorNames are the names checkOtherSeparatorSpellings spells
// with every other separator: the identity headers, the path headers,
// the headers the front door sets, the client's address headers, other
// proxies' identity and client-certificate headers (a made-up member of
// each family too) and the method-override headers.
func otherSeparatorNames() []string {
	var names []string
	for _, list := range [][]string{identityHeaders, pathHeaders, proxySetHeaders, clientAddressHeaders,
		otherProxiesHeaders, otherProxiesFamilyMembers, methodOverrideHeaders} {
		names = append(names, list...)
	}
	for _, f := range otherProxiesFamilies {
		names = append(names, f+"Made-Up")
	}
	return names
}

// checkOtherSeparatorSpellings sends, for each byte of otherSeparators,
// every name of otherSeparatorNames with that byte at each separator and
// at the first only (X.Auth.User, X.Auth-User), and checks, signed in on
// a protected route and on a bypass route and anonymous on a bypass
// route, that none of them reaches the app: no value of the client's, no
// name with a byte but a letter, a digit or '-'.
func checkOtherSeparatorSpellings(t *testing.T, w *world, signedIn *browser) {
	for _, sep := range otherSeparators {
		t.Run(fmt.Sprintf("%q", sep), func(t *testing.T) {
			forged := http.Header{}
			for _, n := range otherSeparatorNames() {
				for _, s := range spelledWith(n, sep) {
					forged[s] = []string{"mallory"}
				}
			}
			forgedReachNoApp(t, w, signedIn, forged, func(t *testing.T, got seen) {
				for name := range got.Header {
					if !lettersDigitsDashes(name) {
						t.Errorf("through %s the app got header %q", w.name, name)
					}
				}
			})
		})
	}
}

// lettersDigitsDashes reports whether name holds nothing but ASCII
// letters, digits and '-', the bytes a CGI server reads as they are.
func lettersDigitsDashes(name string) bool {
	return strings.IndexFunc(name, func(r rune) bool { return !letterDigitDash(r) }) < 0
}

// letterDigitDash reports whether r is an ASCII letter, a digit or '-'.
func letterDigitDash(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-'
}
