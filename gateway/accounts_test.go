package gateway_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// withAccounts switches the harness to the store-backed user backend with
// sign-up enabled.
var withAccounts = setup{edit: func(cfg *config.Config, _ string) {
	cfg.Users.Backend = "redis"
	cfg.Users.Signup.Enabled = true
	// Every test client comes from 127.0.0.1; TestSignupRefusesCheaplyAndPerClient
	// tests the per-client limit itself.
	cfg.Users.Signup.PerClientPerHour = 1000
}}

func fields(t *testing.T, r reply) map[string]any {
	t.Helper()
	e, _ := r.jsonMap(t)["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

func TestSignup(t *testing.T) {
	t.Parallel()
	t.Run("disabled by default", func(t *testing.T) {
		h := newHarness(t)
		c := h.newClient(t)
		c.api(crmHost, "signup", map[string]string{"username": "erin"}).wantError(t, http.StatusNotFound, "signup_disabled")
		c.browse(crmHost, prefix+"/signup").wantStatus(t, http.StatusNotFound)
	})

	h := newHarness(t, withAccounts)
	erin := map[string]string{"username": "erin", "email": "erin@example.com", "password": "a long unusual passphrase", "phone": "+1 201 555 0142", "name": "Erin Example"}

	t.Run("field errors name every bad field", func(t *testing.T) {
		r := h.newClient(t).api(crmHost, "signup", map[string]string{"username": "e", "email": "nope", "password": "password", "phone": "12"})
		r.wantError(t, http.StatusBadRequest, "invalid_input")
		f := fields(t, r)
		for _, k := range []string{"username", "email", "password", "phone"} {
			if f[k] == nil {
				t.Errorf("no error for %s: %v", k, f)
			}
		}
	})
	t.Run("a taken username is 409; a taken email or phone answers like a fresh sign-up", func(t *testing.T) {
		in := map[string]string{}
		for k, x := range erin {
			in[k] = x
		}
		in["username"] = "alice"
		r := h.newClient(t).api(crmHost, "signup", in)
		r.wantError(t, http.StatusConflict, "already_exists")
		if fields(t, r)["username"] == nil {
			t.Errorf("409 for username does not name the field: %s", r.body)
		}
		fresh := h.newClient(t).api(crmHost, "signup", map[string]string{"username": "newbie", "email": "newbie@example.com", "password": "a long unusual passphrase", "phone": "+1 201 555 0175"})
		fresh.wantStatus(t, http.StatusCreated)
		for field, v := range map[string]string{"email": alice.email, "phone": alice.phone} {
			in := map[string]string{"username": "erin-" + field, "email": "erin-" + field + "@example.com", "password": erin["password"], "phone": "+1 201 555 0176"}
			in[field] = v
			c := h.newClient(t)
			r := c.api(crmHost, "signup", in)
			r.wantStatus(t, http.StatusCreated)
			if got, want := r.jsonMap(t)["status"], fresh.jsonMap(t)["status"]; got != want {
				t.Errorf("taken %s: status %v, a fresh sign-up %v", field, got, want)
			}
			// The number typed gets a notice, not a code, and no code can
			// finish this sign-up.
			msgs := h.sms.messages(t)
			last := msgs[len(msgs)-1]
			to := "+12015550176"
			if field == "phone" {
				to = alice.phone
			}
			if last.To != to || !strings.Contains(last.Body, "tried to sign up") || codeRE.MatchString(last.Body) {
				t.Errorf("taken %s: the last SMS is %+v, want a notice to %s", field, last, to)
			}
			c.api(crmHost, "otp", map[string]string{"code": "123456"}).wantError(t, http.StatusUnauthorized, "invalid_code")
		}
	})
	t.Run("verified by code, then signed in", func(t *testing.T) {
		c := h.newClient(t)
		r := c.api(crmHost, "signup", erin)
		r.wantStatus(t, http.StatusCreated)
		if r.jsonMap(t)["status"] != "otp_required" {
			t.Fatalf("signup: %s", r.body)
		}
		// Not an account until the phone is proved.
		h.newClient(t).api(crmHost, "login", map[string]string{"username": "erin", "password": erin["password"]}).
			wantError(t, http.StatusUnauthorized, "invalid_credentials")
		c.api(crmHost, "otp", map[string]string{"code": "000000"}).wantError(t, http.StatusUnauthorized, "invalid_code")
		c.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, "+12015550142")}).wantStatus(t, http.StatusOK)
		c.get(crmHost, "/").wantStatus(t, http.StatusOK)
		if got := h.up.last(t).Header.Get("X-Auth-Methods"); got != "pwd,sms" {
			t.Errorf("methods after sign-up = %q", got)
		}
		d := h.newClient(t)
		// By name: the email typed at sign-up names no account until an
		// administrator vouches for it (TestUnprovedEmailReservesNothing).
		d.signIn(crmHost, testUser{name: "erin", password: erin["password"], phone: "+12015550142"})
		d.get(crmHost, "/").wantStatus(t, http.StatusOK)
	})
	t.Run("an unverified sign-up expires and frees its names", func(t *testing.T) {
		in := map[string]string{"username": "fred", "email": "fred@example.com", "password": "another long passphrase", "phone": "+12015550143"}
		h.newClient(t).api(crmHost, "signup", in).wantStatus(t, http.StatusCreated)
		h.newClient(t).api(crmHost, "signup", in).wantError(t, http.StatusConflict, "already_exists")
		h.clock.Advance(3*h.cfg.OTP.TTL + time.Second)
		h.newClient(t).api(crmHost, "signup", in).wantStatus(t, http.StatusCreated)
	})
	t.Run("concurrent sign-ups for one email: it reserves nothing", func(t *testing.T) {
		var mu sync.Mutex
		statuses := map[int]int{}
		var wg sync.WaitGroup
		for i := 0; i < 10; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := map[string]string{"username": "racer" + string(rune('a'+i)), "email": "race@example.com", "password": "racing long passphrase", "phone": "+1201555016" + string(rune('0'+i))}
				r := h.newClient(t).api(crmHost, "signup", in)
				mu.Lock()
				statuses[r.status]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		// Every one is a fresh sign-up: an email typed at sign-up reserves
		// nothing, so none is a decoy and each number gets a code.
		if statuses[http.StatusCreated] != 10 {
			t.Fatalf("statuses %v, want ten 201", statuses)
		}
		codes := 0
		for _, m := range h.sms.messages(t) {
			if strings.HasPrefix(m.To, "+1201555016") && len(m.To) == 12 && codeRE.MatchString(m.Body) {
				codes++
			}
		}
		if codes != 10 {
			t.Fatalf("%d codes sent to the racers, want 10", codes)
		}
	})
	t.Run("the form", func(t *testing.T) {
		c := h.newClient(t)
		page := c.browse(crmHost, prefix+"/signup")
		page.wantStatus(t, http.StatusOK)
		for _, f := range []string{`name="username"`, `name="email"`, `name="phone"`, `name="password"`, `name="csrf"`} {
			if !strings.Contains(string(page.body), f) {
				t.Errorf("sign-up page lacks %s", f)
			}
		}
		r := c.form(crmHost, "/signup", url.Values{"username": {"gina"}, "email": {"bad"}, "password": {"gina long passphrase"}, "phone": {"+12015550144"}})
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "valid email") || !strings.Contains(string(r.body), `value="gina"`) {
			t.Fatalf("bad form: %d\n%s", r.status, r.body)
		}
		r = c.form(crmHost, "/signup", url.Values{"username": {"gina"}, "email": {"gina@example.com"}, "password": {"gina long passphrase"}, "phone": {"+12015550144"}})
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), prefix+"/otp") {
			t.Fatalf("good form: %d %s", r.status, r.header.Get("Location"))
		}
		r = c.form(crmHost, "/otp", url.Values{"code": {h.sms.code(t, "+12015550144")}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("code form: %d\n%s", r.status, r.body)
		}
	})
}

// resetBySMS is a gateway whose resets need the text-message code alone
// (users.reset.require: [sms]); TestResetNeedsTwoProofs tests the default.
var resetBySMS = setup{edit: func(cfg *config.Config, _ string) { cfg.Users.Reset.Require = []string{"sms"} }}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	t.Run("needs the redis backend", func(t *testing.T) {
		h := newHarness(t)
		h.newClient(t).api(crmHost, "reset", map[string]string{"username": "alice"}).wantError(t, http.StatusNotFound, "reset_unavailable")
	})
	h := newHarness(t, withAccounts, resetBySMS)
	a1, a2 := h.newClient(t), h.newClient(t)
	a1.signIn(appHost, bob)
	a2.signIn(appHost, bob)
	a1.get(appHost, "/").wantStatus(t, http.StatusOK)

	c := h.newClient(t)
	sent := h.sms.count(t)
	known := c.api(appHost, "reset", map[string]string{"username": "bob@example.com"})
	known.wantStatus(t, http.StatusOK)
	if h.sms.count(t) != sent+1 {
		t.Fatal("no reset code sent")
	}
	stranger := h.newClient(t)
	unknown := stranger.api(appHost, "reset", map[string]string{"username": "nobody"})
	unknown.wantStatus(t, http.StatusOK)
	// Each answer holds a handle of its own, random: the rest is alike.
	if ku, kk := unknown.jsonMap(t), known.jsonMap(t); len(ku) != len(kk) || ku["status"] != kk["status"] || ku["expires_in"] != kk["expires_in"] ||
		len(ku["reset"].(string)) != len(kk["reset"].(string)) || ku["reset"] == kk["reset"] {
		t.Errorf("unknown account answered %s, known %s", unknown.body, known.body)
	}
	if h.sms.count(t) != sent+1 {
		t.Error("an SMS was sent for an unknown account")
	}
	code := h.sms.code(t, bob.phone)
	c.api(appHost, "reset", map[string]string{"username": "bob", "code": code, "password": "password"}).wantError(t, http.StatusBadRequest, "invalid_input")
	c.api(appHost, "reset", map[string]string{"username": "bob", "code": "000000", "password": "a brand new passphrase"}).wantError(t, http.StatusUnauthorized, "invalid_code")
	stranger.api(appHost, "reset", map[string]string{"username": "nobody", "code": code, "password": "a brand new passphrase"}).wantError(t, http.StatusUnauthorized, "invalid_code")
	c.api(appHost, "reset", map[string]string{"username": "bob", "code": code, "password": "a brand new passphrase"}).wantStatus(t, http.StatusOK)

	for i, old := range []*client{a1, a2} {
		old.get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
		_ = i
	}
	h.newClient(t).login(appHost, bob).wantError(t, http.StatusUnauthorized, "invalid_credentials")
	h.newClient(t).signIn(appHost, testUser{name: "bob", password: "a brand new passphrase", phone: bob.phone})
	// The code was used up.
	c.api(appHost, "reset", map[string]string{"username": "bob", "code": code, "password": "yet another passphrase"}).wantError(t, http.StatusGone, "code_expired")
}

func TestAccountPage(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	c := h.newClient(t)
	if r := c.browse(authHost, prefix+"/account"); r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "/login") {
		t.Fatalf("account page without a session: %d %s", r.status, r.header.Get("Location"))
	}
	c.signIn(crmHost, alice) // two factors: the account page needs both
	other := h.newClient(t)
	other.signIn(crmHost, alice)
	page := c.browse(authHost, prefix+"/account")
	page.wantStatus(t, http.StatusOK)
	if n := strings.Count(string(page.body), `name="session"`); n != 2 {
		t.Fatalf("%d sessions listed, want 2\n%s", n, page.body)
	}
	if !strings.Contains(string(page.body), "(this browser)") {
		t.Error("current session not marked")
	}

	t.Run("revoke another session", func(t *testing.T) {
		handles := regexpAll(`name="session" value="([^"]+)"`, string(page.body))
		for _, hd := range handles {
			if !strings.Contains(string(page.body), hd+`">`) {
				continue
			}
		}
		// Revoke every session but this browser's.
		mine := currentHandle(t, page.body)
		for _, hd := range handles {
			if hd != mine {
				c.form(authHost, "/account/sessions/revoke", url.Values{"session": {hd}}).wantStatus(t, http.StatusSeeOther)
			}
		}
		other.get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
		c.get(appHost, "/").wantStatus(t, http.StatusOK)
	})
	t.Run("change phone, proved by a code, old number told", func(t *testing.T) {
		// Bob's number is not told to alice: the answer is a sent
		// code's, bob's phone gets a notice, and no code moves it.
		r := c.form(authHost, "/account/phone", url.Values{"phone": {bob.phone}})
		r.wantStatus(t, http.StatusSeeOther)
		msgs := h.sms.messages(t)
		if last := msgs[len(msgs)-1]; last.To != bob.phone || codeRE.MatchString(last.Body) || !strings.Contains(last.Body, "another account") {
			t.Fatalf("taking bob's number: last SMS %+v, want a notice to bob with no code", last)
		}
		c.form(authHost, "/account/phone/verify", url.Values{"code": {"123456"}}).wantStatus(t, http.StatusUnauthorized)
		r = c.form(authHost, "/account/phone", url.Values{"phone": {"+1 201 555 0150"}})
		r.wantStatus(t, http.StatusSeeOther)
		code := h.sms.code(t, "+12015550150")
		c.form(authHost, "/account/phone/verify", url.Values{"code": {code}}).wantStatus(t, http.StatusSeeOther)
		if u, err := h.users.Lookup(t.Context(), "+12015550150"); err != nil || u.Username != "alice" {
			t.Fatalf("new phone not saved: %v %v", u, err)
		}
		msgs = h.sms.messages(t)
		last := msgs[len(msgs)-1]
		if last.To != alice.phone || !strings.Contains(last.Body, "changed") {
			t.Errorf("old number not told: %+v", last)
		}
	})
	t.Run("change password ends other sessions", func(t *testing.T) {
		third := h.newClient(t)
		third.signIn(crmHost, testUser{name: alice.name, password: alice.password, phone: "+12015550150"})
		r := c.form(authHost, "/account/password", url.Values{"current": {"wrong"}, "password": {"a fresh long passphrase"}})
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "not your current password") {
			t.Fatalf("wrong current password: %d", r.status)
		}
		c.form(authHost, "/account/password", url.Values{"current": {alice.password}, "password": {"a fresh long passphrase"}}).wantStatus(t, http.StatusSeeOther)
		third.get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
		c.get(appHost, "/").wantStatus(t, http.StatusOK)
	})
}

func regexpAll(pattern, s string) []string {
	var out []string
	for _, m := range regexp.MustCompile(pattern).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// currentHandle finds the handle of the session marked "(this browser)".
func currentHandle(t *testing.T, body []byte) string {
	t.Helper()
	for _, li := range strings.Split(string(body), "<li>") {
		if strings.Contains(li, "(this browser)") {
			if m := regexpAll(`name="session" value="([^"]+)"`, li); len(m) == 1 {
				return m[0]
			}
		}
	}
	t.Fatal("no current session in the list")
	return ""
}
