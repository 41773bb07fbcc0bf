package frontdoor_test

import (
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
