package frontdoor_test

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// sessionCookie is the session cookie's name on the wire: session.cookie_name
// (the default, kept by deploy/gateway.yaml) with the __Secure- prefix, since
// deploy/gateway.yaml shares it through session.cookie_domain over https.
const sessionCookie = "__Secure-gatehouse_session"

// world is one front door with Gatehouse and the app behind it.
type world struct {
	name    string // the front door: nginx, caddy, traefik
	gh      *gatehouse
	app     *app
	tlsAddr string // the front door's https listener
	port    string // its port
	authURL string // https://auth.example.com:PORT, the portal through the front door
	appURL  string // https://app.example.com:PORT, the app through the front door
	roots   *x509.CertPool
}

// newWorld describes the front door name serving https on tlsAddr.
func newWorld(t *testing.T, name string, gh *gatehouse, a *app, tlsAddr string, roots *x509.CertPool) *world {
	t.Helper()
	port := portOf(t, tlsAddr)
	return &world{name: name, gh: gh, app: a, tlsAddr: tlsAddr, port: port, roots: roots,
		authURL: "https://auth.example.com:" + port,
		appURL:  "https://app.example.com:" + port,
	}
}

// identityHeaders are deploy/gateway.yaml's identity headers.
var identityHeaders = []string{"X-Auth-User", "X-Auth-Email", "X-Auth-Name", "X-Auth-Groups", "X-Auth-Methods", "X-Auth-Assertion"}

// identityValues returns what the app got under every spelling of an
// identity header (any case, '_' for '-'), by canonical name.
func identityValues(h http.Header) map[string][]string {
	out := map[string][]string{}
	for name, vs := range h {
		norm := strings.ReplaceAll(strings.ToLower(name), "_", "-")
		for _, want := range identityHeaders {
			if norm == strings.ToLower(want) {
				out[want] = append(out[want], vs...)
			}
		}
	}
	return out
}

// exercise drives a browser-like login through the front door and checks
// what the app receives, then forged headers, API clients, a forbidden
// user and logout. The subtests share alice's browser, in order.
func exercise(t *testing.T, w *world) {
	aliceB := newBrowser(t, w.roots)
	target := w.appURL + "/deals?id=7&q=a%20b&x=y"

	ok := t.Run("browser login through the portal lands back on the app", func(t *testing.T) {
		p := aliceB.get(target, nil)
		p.wantStatus(t, http.StatusFound)
		login := p.location(t)
		if want := w.authURL + "/_gatehouse/login?rd=" + url.QueryEscape(target); login.String() != want {
			t.Fatalf("redirect to %s\nwant        %s", login, want)
		}
		if n := w.app.count(); n != 0 {
			t.Fatalf("%d requests reached the app before login", n)
		}

		p = aliceB.get(login.String(), nil)
		p.wantStatus(t, http.StatusOK)
		p = aliceB.submit(p, "/_gatehouse/login", url.Values{"username": {alice.name}, "password": {alice.password}})
		p.wantStatus(t, http.StatusSeeOther)
		otp := p.location(t)
		if otp.Host != login.Host || otp.Path != "/_gatehouse/otp" || otp.Query().Get("rd") != target {
			t.Fatalf("after the password: redirect to %s, want the code page on the portal with rd=%s", otp, target)
		}

		p = aliceB.get(otp.String(), nil)
		p.wantStatus(t, http.StatusOK)
		p = aliceB.submit(p, "/_gatehouse/otp", url.Values{"code": {w.gh.code(t, alice.phone)}})
		p.wantStatus(t, http.StatusSeeOther)
		// alice's first two-factor sign-in: the portal offers recovery
		// codes once, on its own host, then lets her go on to rd.
		offer := p.location(t)
		if offer.Host != login.Host || offer.Path != "/_gatehouse/recovery-codes" || offer.Query().Get("rd") != target {
			t.Fatalf("after the code: redirect to %s, want the recovery code offer with rd=%s", offer, target)
		}
		p = aliceB.get(offer.String(), nil)
		p.wantStatus(t, http.StatusOK)
		if !strings.Contains(p.body, "Not now") || !strings.Contains(p.body, `href="`+html.EscapeString(target)+`"`) {
			t.Fatalf("the offer does not lead on to %s:\n%s", target, p.body)
		}
		// Single sign-on: the cookie set by the portal's host is sent to the app's.
		if aliceB.cookie(w.appURL, sessionCookie) == "" {
			t.Fatalf("the session cookie set on %s is not sent to %s (session.cookie_domain)", w.authURL, w.appURL)
		}

		p = aliceB.get(target, nil)
		p.wantStatus(t, http.StatusOK)
		got := w.app.last(t)
		if got.Path != "/deals" || got.RawQuery != "id=7&q=a%20b&x=y" {
			t.Errorf("app got %s?%s, want /deals?id=7&q=a%%20b&x=y", got.Path, got.RawQuery)
		}
		want := map[string]string{
			"X-Auth-User": alice.name, "X-Auth-Email": alice.email, "X-Auth-Name": alice.display,
			"X-Auth-Groups": strings.Join(alice.groups, ","), "X-Auth-Methods": "pwd,sms",
		}
		vals := identityValues(got.Header)
		for name, v := range want {
			if !slices.Equal(vals[name], []string{v}) {
				t.Errorf("app got %s = %q, want [%q]", name, vals[name], v)
			}
		}
		claims := verifyAssertion(t, w, aliceB, vals["X-Auth-Assertion"], "app")
		if claims.Subject != alice.name || !slices.Equal(claims.AMR, []string{"pwd", "sms", "mfa"}) || !slices.Equal(claims.Groups, alice.groups) {
			t.Errorf("assertion claims %+v", claims)
		}
	})
	if !ok {
		return
	}

	t.Run("identity headers sent by clients never reach the app", func(t *testing.T) {
		forged := http.Header{
			"X-Auth-User": {"mallory"}, "X-Auth-Groups": {"admins"}, "X-Auth-Methods": {"pwd,sms"},
			"X-Auth-Assertion": {"forged.jwt.value"}, "X-Auth-Email": {"mallory@example.com"},
			"X_Auth_User": {"mallory"}, "x-auth-name": {"Mallory"},
		}
		anon := newBrowser(t, w.roots)
		for _, tc := range []struct {
			name     string
			b        *browser
			path     string
			wantUser string
		}{
			{"signed in, protected route", aliceB, "/deals", alice.name},
			{"signed in, bypass route", aliceB, "/public/info", ""},
			{"anonymous, bypass route", anon, "/public/info", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := tc.b.get(w.appURL+tc.path, forged)
				p.wantStatus(t, http.StatusOK)
				got := w.app.last(t)
				if got.Path != tc.path {
					t.Fatalf("the app's last request is %s, want %s", got.Path, tc.path)
				}
				for name := range got.Header {
					if strings.Contains(name, "_") {
						t.Errorf("the app got header %q", name)
					}
				}
				for name, vs := range identityValues(got.Header) {
					for _, v := range vs {
						if strings.Contains(strings.ToLower(v), "mallory") || v == "forged.jwt.value" {
							t.Errorf("the app got the client's %s: %q", name, v)
						}
					}
					if len(vs) > 1 {
						t.Errorf("the app got %s %d times: %q", name, len(vs), vs)
					}
				}
				user := identityValues(got.Header)["X-Auth-User"]
				if tc.wantUser == "" && len(user) > 0 && user[0] != "" || tc.wantUser != "" && !slices.Equal(user, []string{tc.wantUser}) {
					t.Errorf("the app got X-Auth-User %q, want %q", user, tc.wantUser)
				}
				if tc.wantUser == "" {
					if a := identityValues(got.Header)["X-Auth-Assertion"]; len(a) > 0 && a[0] != "" {
						t.Errorf("a bypass route got an assertion %q", a)
					}
				}
			})
		}
	})

	t.Run("identity and path headers in any separator spelling never reach the app", func(t *testing.T) {
		checkForgedSpellings(t, w, aliceB)
	})

	t.Run("other proxies' identity and client-certificate headers never reach the app", func(t *testing.T) {
		checkOtherProxiesHeaders(t, w, aliceB)
	})

	t.Run("identity, proxies' and method-override headers spelt with another separator never reach the app", func(t *testing.T) {
		checkOtherSeparatorSpellings(t, w, aliceB)
	})

	t.Run("a Connection header naming the identity headers does not remove them", func(t *testing.T) {
		checkConnectionNamesNoIdentity(t, w, aliceB)
	})

	t.Run("the client's own description of the request is replaced, never decided on", func(t *testing.T) {
		checkClientsOwnDescription(t, w, aliceB)
	})

	t.Run("API clients and other methods get 401, never a redirect", func(t *testing.T) {
		anon := newBrowser(t, w.roots)
		before := w.app.count()
		req, _ := http.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("Accept", "application/json")
		wantJSON401(t, anon.do(req))

		req, _ = http.NewRequest(http.MethodPost, w.appURL+"/deals", strings.NewReader("a=1"))
		req.Header.Set("Accept", htmlAccept)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		wantJSON401(t, anon.do(req))

		// A session cookie the store does not know is no session.
		stale := newBrowser(t, w.roots)
		setSessionCookie(t, stale, w.appURL, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
		stale.get(target, nil).wantStatus(t, http.StatusFound)
		if n := w.app.count(); n != before {
			t.Errorf("%d requests reached the app without a session", n-before)
		}
	})

	t.Run("signed in but not allowed is 403; a missing method is a step-up", func(t *testing.T) {
		bobB := newBrowser(t, w.roots)
		// The JSON API through the front door: without rd, a login asks
		// for every factor the account uses; bob stops after the
		// password, which his session now holds alone.
		if status := apiLogin(t, bobB, w.authURL, bob); status != "otp_required" {
			t.Fatalf("bob's API login: status %q, want otp_required", status)
		}
		before := w.app.count()
		bobB.get(w.appURL+"/admin/users", nil).wantStatus(t, http.StatusForbidden)
		p := bobB.get(w.appURL+"/deals", nil)
		p.wantStatus(t, http.StatusFound)
		if loc := p.location(t); loc.Path != "/_gatehouse/login" || loc.Query().Get("rd") != w.appURL+"/deals" {
			t.Errorf("step-up redirect to %s", loc)
		}
		if n := w.app.count(); n != before {
			t.Errorf("%d requests reached the app for bob", n-before)
		}
		aliceB.get(w.appURL+"/admin/users", nil).wantStatus(t, http.StatusOK)
		claims := verifyAssertion(t, w, aliceB, identityValues(w.app.last(t).Header)["X-Auth-Assertion"], "app-admin")
		if claims.Subject != alice.name {
			t.Errorf("admin assertion for %q", claims.Subject)
		}
	})

	t.Run("signed-in POST and PUT bodies reach the app intact", func(t *testing.T) {
		checkBodies(t, w, aliceB)
	})

	t.Run("logout ends access through the front door", func(t *testing.T) {
		old := aliceB.cookie(w.appURL, sessionCookie)
		p := aliceB.get(w.authURL+"/_gatehouse/logout", nil)
		p.wantStatus(t, http.StatusOK)
		p = aliceB.submit(p, "/_gatehouse/logout", nil)
		p.wantStatus(t, http.StatusOK)
		before := w.app.count()
		aliceB.get(target, nil).wantStatus(t, http.StatusFound)
		// The old cookie, replayed, is dead too: the session left the store.
		replay := newBrowser(t, w.roots)
		setSessionCookie(t, replay, w.appURL, old)
		replay.get(target, nil).wantStatus(t, http.StatusFound)
		if n := w.app.count(); n != before {
			t.Errorf("%d requests reached the app after logout", n-before)
		}
	})
}

func setSessionCookie(t *testing.T, b *browser, rawURL, value string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	b.jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: value, Path: "/", Domain: "example.com"}})
}

// wantJSON401 checks a 401 with the contract's JSON error and no redirect.
func wantJSON401(t *testing.T, p page) {
	t.Helper()
	p.wantStatus(t, http.StatusUnauthorized)
	if loc := p.header.Get("Location"); loc != "" {
		t.Errorf("401 with Location %q", loc)
	}
	var body struct {
		Error struct{ Code, Message string }
	}
	if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("401 with Content-Type %q, want JSON (body %.200q)", ct, p.body)
	}
	if err := json.Unmarshal([]byte(p.body), &body); err != nil || body.Error.Code != "unauthenticated" || body.Error.Message == "" {
		t.Errorf("401 body %q, want the error unauthenticated", p.body)
	}
}

// apiLogin signs p in with the JSON API on the portal and returns the
// answer's status ("authenticated" or "otp_required").
func apiLogin(t *testing.T, b *browser, authURL string, p person) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": p.name, "password": p.password})
	req, err := http.NewRequest(http.MethodPost, authURL+"/_gatehouse/api/login", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	r := b.do(req)
	r.wantStatus(t, http.StatusOK)
	var out struct{ Status string }
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("login answer %q: %v", r.body, err)
	}
	return out.Status
}

// verifyAssertion checks the one assertion the app got as an app would:
// with the keys published at /_gatehouse/jwks.json, fetched through the
// front door, for the issuer public_url and the route's name as audience.
func verifyAssertion(t *testing.T, w *world, b *browser, values []string, audience string) *auth.AssertionClaims {
	t.Helper()
	if len(values) != 1 || values[0] == "" {
		t.Fatalf("the app got X-Auth-Assertion %q, want one token", values)
	}
	p := b.get(w.authURL+"/_gatehouse/jwks.json", http.Header{"Accept": {"application/json"}})
	p.wantStatus(t, http.StatusOK)
	keys, err := auth.ParseJWKS([]byte(p.body))
	if err != nil {
		t.Fatalf("jwks.json: %v", err)
	}
	claims, err := auth.VerifyAssertion(values[0], keys, w.gh.publicURL, audience, time.Now)
	if err != nil {
		t.Fatalf("the assertion does not verify (iss %s, aud %s): %v", w.gh.publicURL, audience, err)
	}
	return claims
}
