package frontdoor_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// gatewayCookieNames are the names of Gatehouse's cookies under
// deploy/gateway.yaml (session.secure, session.cookie_domain): the session
// cookie under every prefix it may have had, the CSRF, reset and
// known-device cookies. None of them is the app's.
var gatewayCookieNames = []string{
	"gatehouse_session", "__Host-gatehouse_session", sessionCookie, "__Host-gatehouse_session_csrf",
	"__Secure-gatehouse_session_reset", "__Secure-gatehouse_session_link", "__Secure-gatehouse_session_device",
}

// appCookies returns the cookies the app received, as name=value pairs in
// the order sent, from every Cookie line.
func appCookies(h http.Header) []string {
	var out []string
	for name, lines := range h {
		if !strings.EqualFold(name, "Cookie") {
			continue
		}
		for _, line := range lines {
			for pair := range strings.SplitSeq(line, ";") {
				if pair = strings.TrimSpace(pair); pair != "" {
					out = append(out, pair)
				}
			}
		}
	}
	return out
}

// checkGatewayCookies sends requests with the session cookie (a live one,
// signed in; a stale one on a bypassed path) and the gateway's other
// cookies under several spellings, beside the app's own: the app must get
// its own cookies as sent and none of the gateway's (docs/contract.md,
// "Forward-auth protocol"). With session.cookie_domain the session cookie
// is sent to every app; an app that logs or echoes its request headers
// would otherwise hand a live session for every app and the portal to
// whoever reads them, HttpOnly notwithstanding.
func checkGatewayCookies(t *testing.T, w *world, signedIn *browser) {
	live := signedIn.cookie(w.appURL, sessionCookie)
	if live == "" {
		t.Fatal("the signed-in browser has no session cookie for the app")
	}
	gateways := "GATEHOUSE_SESSION=stale1; __host-gatehouse_session=stale2; __Secure-gatehouse_session_device=dev1; " +
		"__Secure-gatehouse_session_link=link1; __Host-gatehouse_session_csrf=csrf1"
	// A value with a Caddy placeholder: passed on as sent, never expanded.
	own := []string{"theme=dark", "cart=a%20b", "tpl={http.request.host}"}
	big := "pad=" + strings.Repeat("p", 6000) // cookie lines of several KB are common
	anon := newBrowser(t, w.roots)
	setSessionCookie(t, anon, w.appURL, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	for _, tc := range []struct {
		name     string
		b        *browser
		path     string
		extra    []string
		wantUser string
	}{
		{"signed in, protected route", signedIn, "/deals/cookies", own, "bob"},
		{"signed in, bypass route", signedIn, "/public/cookies", own, ""},
		{"anonymous with a stale session, bypass route", anon, "/public/cookies", own, ""},
		{"signed in, a 6 KB cookie", signedIn, "/deals/cookies", append([]string{big}, own...), "bob"},
		{"signed in, none of the app's own", signedIn, "/deals/cookies", nil, "bob"},
		{"anonymous with a stale session, none of the app's own, bypass route", anon, "/public/cookies", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := w.app.count()
			cookie := strings.Join(append(tc.extra[:len(tc.extra):len(tc.extra)], gateways), "; ")
			p := tc.b.get(w.appURL+tc.path, http.Header{"Accept": {"application/json"}, "Cookie": {cookie}})
			p.wantStatus(t, http.StatusOK)
			if w.app.count() != before+1 {
				t.Fatalf("%d requests reached the app, want 1", w.app.count()-before)
			}
			got := w.app.last(t)
			if user := got.Header.Get("X-Auth-User"); user != tc.wantUser {
				t.Errorf("the app got X-Auth-User %q, want %q", user, tc.wantUser)
			}
			cookies := appCookies(got.Header)
			for _, c := range cookies {
				name, value, _ := strings.Cut(c, "=")
				if value == live || slices.ContainsFunc(gatewayCookieNames, func(n string) bool { return strings.EqualFold(n, strings.TrimSpace(name)) }) {
					t.Errorf("through %s the app got the gateway's cookie %.80q", w.name, c)
				}
			}
			var kept []string
			for _, c := range cookies {
				if slices.Contains(tc.extra, c) {
					kept = append(kept, c)
				}
			}
			if !slices.Equal(kept, tc.extra) {
				t.Errorf("through %s the app got its own cookies as %.200q, want %.200q", w.name, kept, tc.extra)
			}
		})
	}
}
