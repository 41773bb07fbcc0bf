package gateway_test

import (
	"net/http"
	"testing"
)

// cgiName is a header name as lighttpd passes it to CGI, FastCGI and
// SCGI apps (PHP among them) and as PHP names the variable: letters
// upper-cased, digits kept, every other byte '_'. So "X.Auth.User" and
// "X~Auth~User" are HTTP_X_AUTH_USER, as X-Auth-User is.
func cgiName(name string) string {
	b := []byte(name)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		default:
			b[i] = '_'
		}
	}
	return string(b)
}

// TestIdentityHeadersSpeltWithAnySeparatorNeverReachTheApp checks
// docs/contract.md, "Identity headers" and "Proxy mode": a header name is
// matched as an app behind a CGI, FastCGI or SCGI server reads it, every
// character that is neither a letter nor a digit standing for '-'
// (lighttpd maps each to '_', and PHP reads '.' and ' ' as '_'). Before,
// only '_' was: a client's "X.Auth.User: mallory" (or "X~Auth~Groups",
// "X+Auth+Assertion", "Remote.User", "X.Forwarded.Host",
// "X.Original.URL") passed the gateway as sent and reached a PHP app
// behind lighttpd as HTTP_X_AUTH_USER, on a bypassed path anonymously
// and beside the gateway's own on a protected one.
func TestIdentityHeadersSpeltWithAnySeparatorNeverReachTheApp(t *testing.T) {
	t.Parallel()
	sent := http.Header{
		"X.Auth.User":                     {forged},
		"X~Auth~Groups":                   {"admins-forged"},
		"X+Auth+Assertion":                {"eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0."},
		"x*auth*methods":                  {"pwd,sms,forged"},
		"X!Auth.Email":                    {"mallory@evil.test"},
		"Remote.User":                     {"root-forged"},
		"X.Forwarded.Host":                {"admin.internal.example"},
		"X.Original.URL":                  {"/admin/users"},
		"X|Real|IP":                       {"10.9.9.9"},
		"X.Goog.Authenticated.User.Email": {"accounts.google.com:ceo@example.com"},
		"SSL.CLIENT.S.DN":                 {"CN=admin"},
	}
	own := http.Header{"X.App.Theme": {"dark"}}
	h := newHarness(t)
	signedIn := h.newClient(t)
	signedIn.signIn(crmHost, alice)
	for _, tc := range []struct {
		name, host, path string
		c                *client
		user             string
	}{
		{"bypassed path, anonymous", appHost, "/static/site.css", h.newClient(t), ""},
		{"bypass route, signed in", publicHost, "/", signedIn, ""},
		{"protected, signed in", crmHost, "/deals", signedIn, "alice"},
	} {
		hdr := sent.Clone()
		for k, v := range own {
			hdr[k] = v
		}
		tc.c.do(request{host: tc.host, path: tc.path, accept: "application/json", header: hdr}).wantStatus(t, http.StatusOK)
		seen := h.up.last(t).Header
		for name, vs := range seen {
			for sentName, forgedValue := range sent {
				if cgiName(name) != cgiName(sentName) {
					continue
				}
				for _, v := range vs {
					if v == forgedValue[0] {
						t.Errorf("%s: the client's %s reached the app as %s: %q", tc.name, sentName, name, v)
					}
				}
			}
		}
		checkIdentity(t, h, seen, tc.user, "crm")
		if got := seen.Get("X.App.Theme"); got != "dark" {
			t.Errorf("%s: the app's own X.App.Theme reached it as %q, want it as sent", tc.name, got)
		}
	}
}
