package gateway_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

const (
	otpOnlyHost = "otp.example.com"  // two_factor, second_factors: [otp]
	smsOnlyHost = "text.example.com" // two_factor, second_factors: [sms]
)

// withTOTP turns authenticator apps on and adds a route that takes only
// an app's code as the second factor, and one that takes only a text.
var withTOTP = setup{edit: func(cfg *config.Config, up string) {
	cfg.TOTP = config.TOTP{Enabled: true, SecretKey: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
	cfg.Routes = append(cfg.Routes,
		config.Route{Name: "otp-only", Host: otpOnlyHost, PathPrefix: "/", Upstream: up, Policy: "two_factor", SecondFactors: []string{"otp"}},
		config.Route{Name: "text-only", Host: smsOnlyHost, PathPrefix: "/", Upstream: up, Policy: "two_factor", SecondFactors: []string{"sms"}},
	)
}}

// appCodeAt is what an authenticator app with secret shows at t.
func appCodeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// enrolApp sets up an app for u, whose client c is signed in with fresh
// password and text code, through the JSON API, and returns its secret.
// The clock moves on a step, past the enrolment's code.
func enrolApp(t *testing.T, h *harness, c *client) string {
	t.Helper()
	r := c.api(authHost, "totp-app", map[string]string{})
	r.wantStatus(t, http.StatusOK)
	secret, _ := r.jsonMap(t)["secret"].(string)
	if secret == "" || !strings.HasPrefix(r.jsonMap(t)["otpauth_url"].(string), "otpauth://totp/") {
		t.Fatalf("enrolment answer %s", r.body)
	}
	c.api(authHost, "totp-app", map[string]string{"code": "000000"}).wantError(t, http.StatusUnauthorized, "invalid_totp_code")
	c.api(authHost, "totp-app", map[string]string{"code": appCodeAt(t, secret, h.clock.Now())}).wantStatus(t, http.StatusOK)
	h.clock.Advance(30 * time.Second)
	return secret
}

// TestTOTPSignInAPI: after enrolment, the password step answers
// totp_required (no text sent), the app's code signs in, the upstream
// sees pwd,otp and amr [pwd otp mfa]; a code works once; the codes of
// two steps away are refused. With both user backends.
func TestTOTPSignInAPI(t *testing.T) {
	t.Parallel()
	for name, extra := range map[string]setup{"file users": {}, "redis users": withAccounts} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withTOTP, extra)
			c := h.newClient(t)
			c.signIn(crmHost, alice)
			secret := enrolApp(t, h, c)

			sent := h.sms.count(t)
			d := h.newClient(t)
			r := d.login(crmHost, alice)
			r.wantStatus(t, http.StatusOK)
			m := r.jsonMap(t)
			if m["status"] != "totp_required" || !slices.Equal(toStrings(m["methods"]), []string{"otp", "sms"}) || h.sms.count(t) != sent {
				t.Fatalf("password step: %s, texts %d→%d; want totp_required [otp sms] and no text", r.body, sent, h.sms.count(t))
			}
			// Two steps off either way: refused.
			for _, off := range []time.Duration{-60 * time.Second, 60 * time.Second} {
				d.api(crmHost, "totp", map[string]string{"code": appCodeAt(t, secret, h.clock.Now().Add(off))}).wantError(t, http.StatusUnauthorized, "invalid_totp_code")
			}
			code := appCodeAt(t, secret, h.clock.Now().Add(30*time.Second)) // one step ahead: accepted
			d.api(crmHost, "totp", map[string]string{"code": code}).wantStatus(t, http.StatusOK)
			d.get(crmHost, "/deals").wantStatus(t, http.StatusOK)
			seen := h.up.last(t)
			if got := seen.Header.Get("X-Auth-Methods"); got != "pwd,otp" {
				t.Errorf("X-Auth-Methods = %q, want pwd,otp", got)
			}
			if claims := h.verify(t, seen.Header.Get("X-Auth-Assertion"), "crm"); !slices.Equal(claims.AMR, []string{"pwd", "otp", "mfa"}) {
				t.Errorf("amr = %v, want [pwd otp mfa]", claims.AMR)
			}

			// The same code again, from another client: refused.
			e := h.newClient(t)
			e.login(crmHost, alice).wantStatus(t, http.StatusOK)
			e.api(crmHost, "totp", map[string]string{"code": code}).wantError(t, http.StatusUnauthorized, "invalid_totp_code")
			e.get(crmHost, "/deals").wantError(t, http.StatusUnauthorized, "step_up_required")
		})
	}
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestTOTPWrongCodesBan: wrong app codes count against the account and
// the client like wrong text codes: the sixth answer is a ban, and then
// even the right code is refused.
func TestTOTPWrongCodesBan(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withTOTP)
	c := h.newClient(t)
	c.signIn(crmHost, alice)
	secret := enrolApp(t, h, c)
	d := h.newClient(t)
	d.login(crmHost, alice).wantStatus(t, http.StatusOK)
	right := appCodeAt(t, secret, h.clock.Now())
	wrong := "123456"
	if wrong == right {
		wrong = "654321"
	}
	var r reply
	for range h.cfg.Regulation.MaxFailures + 1 {
		r = d.api(crmHost, "totp", map[string]string{"code": wrong})
	}
	r.wantError(t, http.StatusTooManyRequests, "banned")
	d.api(crmHost, "totp", map[string]string{"code": right}).wantError(t, http.StatusTooManyRequests, "banned")
}

// TestTOTPSecondFactorsPerRoute: a route with second_factors [otp] does
// not take a text code and asks an account without an app to set one up;
// one with [sms] does not take the app's code; the portal's step-up asks
// for the app first and offers a text instead where the route takes one.
func TestTOTPSecondFactorsPerRoute(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withTOTP)

	// bob has no app: the otp-only route cannot be reached with a text.
	b := h.newClient(t)
	b.signIn(crmHost, bob)
	b.get(otpOnlyHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required")
	if p := b.browse(appHost, prefix+"/login?rd="+url.QueryEscape("https://"+otpOnlyHost+"/")); p.status != http.StatusForbidden {
		t.Fatalf("step-up to an app-only route without an app: %d, want 403", p.status)
	}
	b2 := h.newClient(t)
	b2.api(otpOnlyHost, "login", map[string]any{"username": bob.name, "password": bob.password, "rd": "https://" + otpOnlyHost + "/"}).wantError(t, http.StatusForbidden, "totp_not_enrolled")

	// alice signs in with text code, sets an app up, then steps up.
	a := h.newClient(t)
	a.signIn(crmHost, alice)
	secret := enrolApp(t, h, a)
	a2 := h.newClient(t)
	r := a2.api(crmHost, "login", map[string]any{"username": alice.name, "password": alice.password, "rd": "https://" + smsOnlyHost + "/"})
	if st := r.jsonMap(t)["status"]; st != "otp_required" {
		t.Fatalf("password step for a text-only route: %s, want otp_required", r.body)
	}
	a2.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)
	a2.get(smsOnlyHost, "/").wantStatus(t, http.StatusOK)
	a2.get(otpOnlyHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required")
	// The portal's step-up goes to the app's code form, which offers a
	// text instead only where the route takes one.
	rd := "https://" + otpOnlyHost + "/"
	p := a2.browse(appHost, prefix+"/login?rd="+url.QueryEscape(rd))
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), prefix+"/totp?") {
		t.Fatalf("step-up: %d %s, want a redirect to the app's code form", p.status, p.header.Get("Location"))
	}
	page := a2.browse(appHost, p.header.Get("Location"))
	page.wantStatus(t, http.StatusOK)
	if strings.Contains(string(page.body), `id="use-sms"`) {
		t.Error("the app-only route's step-up offers a text message")
	}
	a4 := h.newClient(t)
	a4.login(crmHost, alice).wantStatus(t, http.StatusOK)
	crmPage := a4.browse(appHost, prefix+"/totp?rd="+url.QueryEscape("https://"+crmHost+"/"))
	if !strings.Contains(string(crmPage.body), `id="use-sms"`) {
		t.Errorf("the code form of a route that takes texts does not offer one (%d)", crmPage.status)
	}
	r = a2.form(appHost, "/totp", url.Values{"code": {appCodeAt(t, secret, h.clock.Now())}, "rd": {rd}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("app code: %d %s", r.status, r.body)
	}
	a2.get(otpOnlyHost, "/").wantStatus(t, http.StatusOK)

	// A session with pwd,otp only does not pass the text-only route.
	h.clock.Advance(30 * time.Second)
	a3 := h.newClient(t)
	a3.login(crmHost, alice).wantStatus(t, http.StatusOK)
	a3.api(crmHost, "totp", map[string]string{"code": appCodeAt(t, secret, h.clock.Now())}).wantStatus(t, http.StatusOK)
	a3.get(smsOnlyHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required")
}

// TestTOTPEnrolAndRemoveNeedFreshProofs: a password-only session cannot
// set an app up; stale proofs cannot either; removing it takes the
// password, the text code and the app's code, all fresh.
func TestTOTPEnrolAndRemoveNeedFreshProofs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withTOTP)
	p := h.newClient(t)
	p.signIn(appHost, alice) // password route: no code
	p.api(authHost, "totp-app", map[string]string{}).wantError(t, http.StatusUnauthorized, "step_up_required")

	c := h.newClient(t)
	c.signIn(crmHost, alice)
	h.clock.Advance(11 * time.Minute)
	c.api(authHost, "totp-app", map[string]string{}).wantError(t, http.StatusUnauthorized, "step_up_required")

	c = h.newClient(t)
	c.signIn(crmHost, alice)
	secret := enrolApp(t, h, c)
	// pwd and sms fresh but no app proof in this session... the
	// enrolment added one; a new two-factor session by text lacks it.
	d := h.newClient(t)
	d.login(crmHost, alice).wantStatus(t, http.StatusOK)
	d.api(crmHost, "otp/resend", nil).wantStatus(t, http.StatusOK) // "use a text message instead"
	d.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)
	d.api(authHost, "totp-app/remove", map[string]string{}).wantError(t, http.StatusUnauthorized, "step_up_required")
	d.api(crmHost, "totp", map[string]string{"code": appCodeAt(t, secret, h.clock.Now())}).wantStatus(t, http.StatusOK)
	d.api(authHost, "totp-app/remove", map[string]string{}).wantStatus(t, http.StatusOK)
	if r := h.newClient(t).login(crmHost, alice); r.jsonMap(t)["status"] != "otp_required" {
		t.Fatalf("after removal the password step answers %s, want otp_required", r.body)
	}
}

var qrImage = regexp.MustCompile(`<img id="totp-qr" src="data:image/png;base64,[^"]+"`)

// TestTOTPEnrolPage: the account page offers an app; setting it up shows
// a QR code made by the gateway (a PNG data: URI) and the key; a wrong
// code shows the same key again; the right one turns the app on.
func TestTOTPEnrolPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withTOTP)
	c := h.newClient(t)
	c.signIn(crmHost, alice)
	acct := c.browse(authHost, prefix+"/account")
	acct.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(acct.body), `id="totp-action"`) {
		t.Fatal("the account page does not offer an authenticator app")
	}
	r := c.form(authHost, "/account/totp", url.Values{})
	r.wantStatus(t, http.StatusOK)
	if !qrImage.Match(r.body) {
		t.Fatalf("no server-made QR code on the enrolment page:\n%s", r.body)
	}
	secret := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindSubmatch(r.body)
	if secret == nil {
		t.Fatal("no key on the enrolment page")
	}
	r = c.form(authHost, "/account/totp/confirm", url.Values{"code": {"000000"}})
	if r.status != http.StatusUnauthorized || !strings.Contains(string(r.body), string(secret[1])) {
		t.Fatalf("wrong code: %d, key shown again %t", r.status, strings.Contains(string(r.body), string(secret[1])))
	}
	r = c.form(authHost, "/account/totp/confirm", url.Values{"code": {appCodeAt(t, string(secret[1]), h.clock.Now())}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "totp=enrolled") {
		t.Fatalf("right code: %d %s", r.status, r.header.Get("Location"))
	}
}
