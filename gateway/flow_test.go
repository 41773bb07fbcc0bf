package gateway_test

import (
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestJSONLoginThroughProxy walks the API login for a two_factor route and
// checks what the upstream then receives.
func TestJSONLoginThroughProxy(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)

	// A browser is sent to the login page with the path to come back to.
	r := c.browse(crmHost, "/reports/q3?year=2024")
	r.wantStatus(t, http.StatusFound)
	if got, want := r.header.Get("Location"), prefix+"/login?rd="+url.QueryEscape("/reports/q3?year=2024"); got != want {
		t.Fatalf("Location = %q, want %q", got, want)
	}
	// An API client is told to authenticate.
	c.get(crmHost, "/reports/q3").wantError(t, http.StatusUnauthorized, "unauthenticated")
	if n := h.up.count(); n != 0 {
		t.Fatalf("upstream got %d requests before login", n)
	}

	r = c.login(crmHost, alice)
	r.wantStatus(t, http.StatusOK)
	m := r.jsonMap(t)
	if m["status"] != "otp_required" {
		t.Fatalf("login status = %v, want otp_required", m["status"])
	}
	otp, _ := m["otp"].(map[string]any)
	to, _ := otp["to"].(string)
	if to != auth.MaskPhone(alice.phone) || strings.Contains(to, "55501") || !strings.HasSuffix(to, "0100") {
		t.Fatalf("otp.to = %q, want the masked phone %q", to, auth.MaskPhone(alice.phone))
	}
	if otp["expires_in"] != float64(300) || otp["resend_in"] != float64(30) {
		t.Fatalf("otp = %v, want expires_in 300 and resend_in 30", otp)
	}
	if n := h.sms.count(t); n != 1 {
		t.Fatalf("%d SMS sent, want 1", n)
	}
	code := h.sms.code(t, alice.phone)

	// The password alone does not open a two_factor route.
	c.get(crmHost, "/reports/q3").wantError(t, http.StatusUnauthorized, "step_up_required")

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	c.api(crmHost, "otp", map[string]string{"code": wrong}).wantError(t, http.StatusUnauthorized, "invalid_code")

	r = c.api(crmHost, "otp", map[string]string{"code": code})
	r.wantStatus(t, http.StatusOK)
	if got := r.jsonMap(t)["status"]; got != "authenticated" {
		t.Fatalf("code status = %v, want authenticated", got)
	}
	if cc := r.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("login answer Cache-Control = %q, want no-store", cc)
	}

	// The signed-in request reaches the upstream with the identity.
	r = c.do(request{host: crmHost, path: "/reports/q3?year=2024", accept: "application/json", header: http.Header{
		"Cookie":          {"app_theme=dark; app_lang=en"},
		"X-Forwarded-For": {"203.0.113.7"},
	}})
	r.wantStatus(t, http.StatusOK)
	if string(r.body) != "upstream saw GET /reports/q3" {
		t.Fatalf("body = %q, want the upstream's answer", r.body)
	}
	seen := h.up.last(t)
	if seen.Path != "/reports/q3" || seen.RawQuery != "year=2024" {
		t.Errorf("upstream got %s?%s, want /reports/q3?year=2024", seen.Path, seen.RawQuery)
	}
	for name, want := range map[string]string{
		"X-Auth-User":    "alice",
		"X-Auth-Email":   alice.email,
		"X-Auth-Name":    alice.display,
		"X-Auth-Groups":  "admins,staff",
		"X-Auth-Methods": "pwd,sms",
	} {
		if got := seen.Header.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("upstream %s = %q, want %q", name, got, want)
		}
	}
	claims := h.verify(t, seen.Header.Get("X-Auth-Assertion"), "crm")
	if claims.Subject != "alice" || claims.Email != alice.email || claims.Name != alice.display ||
		!slices.Equal(claims.AMR, []string{"pwd", "sms", "mfa"}) || !slices.Equal(claims.Groups, alice.groups) {
		t.Errorf("assertion claims = %+v", claims)
	}
	if exp := claims.ExpiresAt.Sub(claims.IssuedAt); exp != h.cfg.Identity.AssertionTTL {
		t.Errorf("assertion lives %s, want %s", exp, h.cfg.Identity.AssertionTTL)
	}
	if _, err := auth.VerifyAssertion(seen.Header.Get("X-Auth-Assertion"), h.jwks(t), publicURL, "app", h.clock.Now); err == nil {
		t.Error("the crm assertion also verifies for audience app")
	}

	cookies := seen.Header.Get("Cookie")
	if id := c.cookie(); id == "" || strings.Contains(cookies, h.cfg.Session.CookieName) || strings.Contains(cookies, id) {
		t.Errorf("upstream saw the gateway's session cookie: %q", cookies)
	}
	if !strings.Contains(cookies, "app_theme=dark") || !strings.Contains(cookies, "app_lang=en") {
		t.Errorf("upstream Cookie = %q, want the app's own cookies kept", cookies)
	}
	if got := seen.Header.Get("X-Forwarded-For"); got != "203.0.113.7, 127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q, want the trusted chain plus the peer", got)
	}
	if got := seen.Header.Get("X-Forwarded-Host"); got != crmHost {
		t.Errorf("X-Forwarded-Host = %q, want %q", got, crmHost)
	}
	if got := seen.Header.Get("X-Forwarded-Proto"); got != "http" {
		t.Errorf("X-Forwarded-Proto = %q, want http", got)
	}
	if seen.Host != strings.TrimPrefix(h.up.srv.URL, "http://") {
		t.Errorf("upstream Host = %q, want the upstream's own (preserve_host off)", seen.Host)
	}

	// /api/session tells the client who it is.
	r = c.get(crmHost, prefix+"/api/session")
	r.wantStatus(t, http.StatusOK)
	s := r.jsonMap(t)
	if s["user"] != "alice" || s["email"] != alice.email || s["name"] != alice.display {
		t.Errorf("session = %v", s)
	}
	if ms, _ := s["methods"].([]any); len(ms) != 2 || ms[0] != "pwd" || ms[1] != "sms" {
		t.Errorf("session methods = %v, want [pwd sms]", s["methods"])
	}
}

// TestHTMLLoginThroughProxy walks the same login through the pages.
func TestHTMLLoginThroughProxy(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	rd := "/reports/q3?year=2024&tab=sales"

	r := c.browse(crmHost, rd)
	r.wantStatus(t, http.StatusFound)
	loginURL := r.header.Get("Location")
	if want := prefix + "/login?rd=" + url.QueryEscape(rd); loginURL != want {
		t.Fatalf("Location = %q, want %q", loginURL, want)
	}

	r = c.browse(crmHost, loginURL)
	r.wantStatus(t, http.StatusOK)
	page := string(r.body)
	for _, want := range []string{
		`<form method="post" action="` + prefix + `/login"`,
		`name="username"`, `name="password"`, `type="password"`,
		`name="rd" value="/reports/q3?year=2024&amp;tab=sales"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("login page lacks %q:\n%s", want, page)
		}
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("login page Content-Type = %q", ct)
	}
	// The page cannot be framed (clickjacking) or cached.
	if got := r.header.Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options = %q, want DENY", got)
	}
	if got := r.header.Get("Content-Security-Policy"); !strings.Contains(got, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy = %q, want frame-ancestors 'none'", got)
	}
	if got := r.header.Get("Cache-Control"); !strings.Contains(got, "no-store") {
		t.Errorf("login page Cache-Control = %q", got)
	}
	css := c.browse(crmHost, prefix+"/static/style.css")
	if css.status != http.StatusOK || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %q", css.status, css.header.Get("Content-Type"))
	}

	// Wrong password: the page again, with the message, and no cookie.
	r = c.form(crmHost, "/login", url.Values{"username": {"alice"}, "password": {"nope"}, "rd": {rd}})
	r.wantStatus(t, http.StatusUnauthorized)
	if !strings.Contains(string(r.body), "Wrong username or password.") || !strings.Contains(string(r.body), `name="password"`) {
		t.Errorf("wrong password page:\n%s", r.body)
	}
	if c.cookie() != "" {
		t.Error("a wrong password set a session cookie")
	}

	r = c.form(crmHost, "/login", url.Values{"username": {alice.email}, "password": {alice.password}, "rd": {rd}})
	r.wantStatus(t, http.StatusSeeOther)
	otpURL := r.header.Get("Location")
	if want := prefix + "/otp?rd=" + url.QueryEscape(rd); otpURL != want {
		t.Fatalf("after password Location = %q, want %q", otpURL, want)
	}

	r = c.browse(crmHost, otpURL)
	r.wantStatus(t, http.StatusOK)
	page = html.UnescapeString(string(r.body))
	if !strings.Contains(page, auth.MaskPhone(alice.phone)) || strings.Contains(page, "2015550100") {
		t.Errorf("code page should show the masked phone %q only:\n%s", auth.MaskPhone(alice.phone), page)
	}
	if !strings.Contains(page, `action="`+prefix+`/otp"`) || !strings.Contains(page, `name="code"`) {
		t.Errorf("code page lacks the code form:\n%s", page)
	}

	r = c.form(crmHost, "/otp", url.Values{"code": {"12"}, "rd": {rd}})
	r.wantStatus(t, http.StatusUnauthorized)
	if !strings.Contains(string(r.body), "That code did not work.") {
		t.Errorf("wrong code page:\n%s", r.body)
	}

	code := h.sms.code(t, alice.phone)
	r = c.form(crmHost, "/otp", url.Values{"code": {code[:3] + " " + code[3:]}, "rd": {rd}})
	r.wantStatus(t, http.StatusSeeOther)
	if got := r.header.Get("Location"); got != rd {
		t.Fatalf("after code Location = %q, want %q", got, rd)
	}

	r = c.browse(crmHost, rd)
	r.wantStatus(t, http.StatusOK)
	seen := h.up.last(t)
	if seen.Path != "/reports/q3" || seen.RawQuery != "year=2024&tab=sales" || seen.Header.Get("X-Auth-Methods") != "pwd,sms" {
		t.Errorf("upstream got %s?%s methods %q", seen.Path, seen.RawQuery, seen.Header.Get("X-Auth-Methods"))
	}

	// Signed in, the login page sends the browser straight on.
	r = c.browse(crmHost, loginURL)
	r.wantStatus(t, http.StatusSeeOther)
	if got := r.header.Get("Location"); got != rd {
		t.Errorf("login page when signed in: Location %q, want %q", got, rd)
	}
}

// TestRedirectTargetsAfterLogin checks that rd is honoured only for safe
// targets.
func TestRedirectTargetsAfterLogin(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		rd, want string
	}{
		{"/dashboard?x=1", "/dashboard?x=1"},
		{"https://app.example.com/inbox", "https://app.example.com/inbox"},
		{"https://auth.example.com/account", "https://auth.example.com/account"},
		{"https://evil.example.net/", "/"},
		{"//evil.example.net/", "/"},
		{"/\\evil.example.net", "/"},
		{"https://alice@app.example.com/", "/"},
		{"javascript:alert(1)", "/"},
		{"http://app.example.com/", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.rd, func(t *testing.T) {
			c := h.newClient(t)
			r := c.form(appHost, "/login", url.Values{"username": {"bob"}, "password": {bob.password}, "rd": {tt.rd}})
			r.wantStatus(t, http.StatusSeeOther)
			if got := r.header.Get("Location"); got != tt.want {
				t.Errorf("Location = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSessionIDRotation checks that the cookie changes whenever the proved
// methods change and that earlier values stop working, and that logout
// ends the session in the store.
func TestSessionIDRotation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	t.Run("planted cookie is replaced", func(t *testing.T) {
		planted := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" // 43 characters, like a real id
		c := h.clientWithCookie(t, planted)
		c.signIn(appHost, bob)
		if c.cookie() == planted {
			t.Fatal("login kept the planted session id")
		}
		h.clientWithCookie(t, planted).get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
		c.get(appHost, "/").wantStatus(t, http.StatusOK)
	})

	t.Run("each step rotates", func(t *testing.T) {
		c := h.newClient(t)
		// A pending passwordless login for an unknown number gives a stored
		// session before any proof.
		r := c.api(smsHost, "sms/start", map[string]string{"phone": "+12015550188"})
		r.wantStatus(t, http.StatusOK)
		c0 := c.cookie()
		if c0 == "" {
			t.Fatal("no cookie after sms/start")
		}

		c.login(crmHost, alice).wantStatus(t, http.StatusOK)
		c1 := c.cookie()
		if c1 == c0 || c1 == "" {
			t.Fatalf("password step kept the id (before %q, after %q)", c0, c1)
		}
		c.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)
		c2 := c.cookie()
		if c2 == c1 || c2 == c0 || c2 == "" {
			t.Fatal("code step kept the id")
		}

		for name, old := range map[string]string{"before login": c0, "after password": c1} {
			o := h.clientWithCookie(t, old)
			o.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
			o.get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
			o.get(crmHost, prefix+"/api/session").wantError(t, http.StatusUnauthorized, "unauthenticated")
			if o.cookie() == c2 {
				t.Errorf("the %s cookie was upgraded to the new session", name)
			}
		}
		c.get(crmHost, "/").wantStatus(t, http.StatusOK)
	})

	t.Run("cookie attributes", func(t *testing.T) {
		c := h.newClient(t)
		r := c.login(appHost, bob)
		r.wantStatus(t, http.StatusOK)
		sc := r.header.Get("Set-Cookie")
		for _, want := range []string{h.cfg.Session.CookieName + "=", "Path=/", "Domain=" + cookieDomain, "HttpOnly", "SameSite=Lax"} {
			if !strings.Contains(sc, want) {
				t.Errorf("Set-Cookie %q lacks %q", sc, want)
			}
		}
		if strings.Contains(sc, "Max-Age") || strings.Contains(sc, "Expires") {
			t.Errorf("Set-Cookie %q without remember_me should be a browser-session cookie", sc)
		}
	})

	t.Run("API logout", func(t *testing.T) {
		c := h.newClient(t)
		c.signIn(crmHost, alice)
		id := c.cookie()
		r := c.api(crmHost, "logout", nil)
		r.wantStatus(t, http.StatusOK)
		if got := r.jsonMap(t)["status"]; got != "logged_out" {
			t.Errorf("logout status = %v", got)
		}
		if c.cookie() != "" {
			t.Error("logout did not clear the cookie")
		}
		o := h.clientWithCookie(t, id)
		o.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
		o.get(crmHost, prefix+"/api/session").wantError(t, http.StatusUnauthorized, "unauthenticated")
	})

	t.Run("form logout", func(t *testing.T) {
		c := h.newClient(t)
		c.signIn(appHost, bob)
		id := c.cookie()
		r := c.browse(appHost, prefix+"/logout")
		r.wantStatus(t, http.StatusOK)
		if !strings.Contains(string(r.body), `action="`+prefix+`/logout"`) {
			t.Errorf("GET /logout should show a confirmation form:\n%s", r.body)
		}
		c.get(appHost, "/").wantStatus(t, http.StatusOK) // GET /logout changed nothing

		r = c.form(appHost, "/logout", url.Values{})
		r.wantStatus(t, http.StatusOK)
		if !strings.Contains(string(r.body), "You are signed out.") {
			t.Errorf("logout page:\n%s", r.body)
		}
		h.clientWithCookie(t, id).get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
		h.clientWithCookie(t, id).browse(appHost, "/").wantStatus(t, http.StatusFound)
	})
}
