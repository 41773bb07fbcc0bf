package gateway_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rememberedFor is the Max-Age a Set-Cookie of r gives the session
// cookie: 0 for a browser-session cookie (neither Max-Age nor Expires).
func rememberedFor(t *testing.T, r reply) time.Duration {
	t.Helper()
	for _, sc := range r.header.Values("Set-Cookie") {
		if !strings.Contains(sc, "gatehouse_session=") {
			continue
		}
		if strings.Contains(sc, "Expires=") && !strings.Contains(sc, "Max-Age=") {
			t.Fatalf("Set-Cookie %q has Expires without Max-Age", sc)
		}
		for attr := range strings.SplitSeq(sc, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(attr), "Max-Age="); ok {
				n, err := strconv.Atoi(v)
				if err != nil {
					t.Fatalf("Set-Cookie %q: Max-Age %q", sc, v)
				}
				return time.Duration(n) * time.Second
			}
		}
		return 0
	}
	t.Fatalf("no session cookie set: %v", r.header.Values("Set-Cookie"))
	return 0
}

// TestRememberMeWaitsForTheSecondFactor: remember-me asked with a
// password that still owes a second factor gives a browser-session
// cookie and the short life of any session not remembered: a sign-in
// walked away from (or left on a shared computer) is gone after
// session.idle_timeout. The long life and the persistent cookie come
// with the factor that completes the sign-in, whichever it is.
func TestRememberMeWaitsForTheSecondFactor(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withTOTP, withPasskeys)
	idle := h.cfg.Session.IdleTimeout

	// bob gets an app and a passkey, alice recovery codes.
	setUp := h.newClient(t)
	setUp.signIn(crmHost, bob)
	secret := enrolApp(t, h, setUp)
	key := registerPasskey(t, setUp, "Laptop")
	key.UV = false
	codes, err := h.recovery.Generate(t.Context(), alice.name)
	if err != nil {
		t.Fatal(err)
	}

	password := func(c *client, u testUser, want string) {
		t.Helper()
		r := c.api(crmHost, "login", map[string]any{"username": u.name, "password": u.password, "remember_me": true})
		r.wantStatus(t, http.StatusOK)
		if got := r.jsonMap(t)["status"]; got != want {
			t.Fatalf("password step of %s: status %v, want %s", u.name, got, want)
		}
		if age := rememberedFor(t, r); age != 0 {
			t.Errorf("password step of %s with a second factor owed: cookie Max-Age %v, want a browser-session cookie", u.name, age)
		}
	}
	for _, tc := range []struct {
		name   string
		user   testUser
		status string // the password step's answer
		second func(c *client) reply
	}{
		{"text message", alice, "otp_required", func(c *client) reply {
			return c.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)})
		}},
		{"text message instead of the passkey", bob, "passkey_required", func(c *client) reply {
			c.api(crmHost, "otp/resend", nil).wantStatus(t, http.StatusOK)
			return c.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, bob.phone)})
		}},
		{"authenticator app", bob, "passkey_required", func(c *client) reply {
			return c.api(crmHost, "totp", map[string]string{"code": appCodeAt(t, secret, h.clock.Now())})
		}},
		{"passkey", bob, "passkey_required", func(c *client) reply {
			return usePasskey(t, c, key, false)
		}},
		{"recovery code", alice, "otp_required", func(c *client) reply {
			return c.api(crmHost, "recovery", map[string]string{"code": codes[0]})
		}},
	} {
		// Walked away from after the password: the password alone
		// opened a password route, until the idle timeout.
		left := h.newClient(t)
		password(left, tc.user, tc.status)
		left.get(appHost, "/").wantStatus(t, http.StatusOK)
		h.clock.Advance(idle + time.Second)
		for _, path := range []string{"/", prefix + "/api/session"} {
			if r := left.get(appHost, path); r.status != http.StatusUnauthorized {
				t.Errorf("%s: a sign-in left after the password, %s %v later: %d, want 401", tc.name, path, idle, r.status)
			}
		}

		// Completed: remembered from then on.
		done := h.newClient(t)
		password(done, tc.user, tc.status)
		r := tc.second(done)
		r.wantStatus(t, http.StatusOK)
		if age, want := rememberedFor(t, r), h.cfg.Session.RememberMe; age != want {
			t.Errorf("%s completing a remembered sign-in: cookie Max-Age %v, want %v", tc.name, age, want)
		}
		h.clock.Advance(3 * time.Hour) // far past the idle timeout
		done.get(crmHost, "/").wantStatus(t, http.StatusOK)
		h.clock.Advance(time.Minute) // the next app code
	}

	// Asked by one person and walked away from: the next person's
	// sign-in on the same browser, without the box, is not remembered.
	shared := h.newClient(t)
	password(shared, alice, "otp_required")
	r := shared.api(appHost, "login", map[string]any{"username": bob.name, "password": bob.password})
	r.wantStatus(t, http.StatusOK)
	if age := rememberedFor(t, r); age != 0 {
		t.Errorf("the next person's sign-in without remember-me: cookie Max-Age %v, want a browser-session cookie", age)
	}

	// Code-only: remember-me asked with the number, applied with its code.
	c := h.newClient(t)
	r = c.api(smsHost, "sms/start", map[string]any{"phone": alice.phone, "remember_me": true})
	r.wantStatus(t, http.StatusOK)
	if age := rememberedFor(t, r); age != 0 {
		t.Errorf("code-only start: cookie Max-Age %v, want a browser-session cookie", age)
	}
	r = c.api(smsHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)})
	r.wantStatus(t, http.StatusOK)
	if age, want := rememberedFor(t, r), h.cfg.Session.RememberMe; age != want {
		t.Errorf("code-only sign-in: cookie Max-Age %v, want %v", age, want)
	}
	h.clock.Advance(3 * time.Hour)
	c.get(smsHost, "/").wantStatus(t, http.StatusOK)
}

// TestRememberMeTakesTheLastAnswer: a sign-in asked again before it
// completed (the person went back to the login page, on a shared
// computer say, and left the box clear this time) is remembered as the
// last password step says, not as the first; the way back (the page
// marks a step-up) and a text message asked instead keep the answer.
func TestRememberMeTakesTheLastAnswer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range []struct {
		name          string
		user          testUser
		first, second bool
	}{
		{"ticked, then left clear", alice, true, false},
		{"left clear, then ticked", bob, false, true},
	} {
		c := h.newClient(t)
		for _, ticked := range []bool{tc.first, tc.second} {
			c.api(crmHost, "login", map[string]any{"username": tc.user.name, "password": tc.user.password, "remember_me": ticked}).wantStatus(t, http.StatusOK)
			h.clock.Advance(h.cfg.OTP.ResendCooldown)
		}
		r := c.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, tc.user.phone)})
		r.wantStatus(t, http.StatusOK)
		age := rememberedFor(t, r)
		if tc.second && age != h.cfg.Session.RememberMe || !tc.second && age != 0 {
			t.Errorf("%s: cookie Max-Age %v, want the last answer's", tc.name, age)
		}
	}

	// Asked with the password, and a step-up's code asked for later
	// (the login page's "Send code"): the answer stands.
	h = newHarness(t) // alice's number, its sends unspent
	c := h.newClient(t)
	r := c.api(crmHost, "login", map[string]any{"username": alice.name, "password": alice.password, "remember_me": true})
	r.wantStatus(t, http.StatusOK)
	h.clock.Advance(h.cfg.OTP.ResendCooldown)
	c.get(appHost, "/").wantStatus(t, http.StatusOK) // the password route, meanwhile
	c.api(crmHost, "otp/resend", nil).wantStatus(t, http.StatusOK)
	r = c.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)})
	r.wantStatus(t, http.StatusOK)
	if age := rememberedFor(t, r); age != h.cfg.Session.RememberMe {
		t.Errorf("completed by a code asked later: cookie Max-Age %v, want %v", age, h.cfg.Session.RememberMe)
	}
}

// TestRememberMeNeedsEveryFactorProvedAfterIt: a session signed in
// without remember-me lives session.absolute_timeout; typing the
// password again near its end with the box ticked (someone who has the
// password, at a shared computer the owner left signed in, without the
// phone) made it a remembered session for remember_me, 30 days, on the
// strength of a text-message code proved 11 hours before. A remembered
// session's every factor is proved after the box was ticked: the password
// step asks the second factor again, and the session is remembered only
// once it is given.
func TestRememberMeNeedsEveryFactorProvedAfterIt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		withCode   bool          // the second factor is given again
		remembered time.Duration // the cookie's Max-Age at the end
		alive      bool          // signed in past absolute_timeout
	}{
		{"the password alone", false, 0, false},
		{"the password and the code", true, 720 * time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			idle, absolute := h.cfg.Session.IdleTimeout, h.cfg.Session.AbsoluteTimeout
			c := h.newClient(t)
			c.signIn(crmHost, alice) // the box left clear
			// Used until an hour before its end.
			for used := time.Duration(0); used < absolute-time.Hour; used += idle / 2 {
				h.clock.Advance(idle / 2)
				c.get(crmHost, "/").wantStatus(t, http.StatusOK)
			}
			r := c.api(crmHost, "login", map[string]any{"username": alice.name, "password": alice.password, "remember_me": true})
			r.wantStatus(t, http.StatusOK)
			if got := r.jsonMap(t)["status"]; got != "otp_required" {
				t.Fatalf("password with remember-me in a session signed in 11h ago: status %v, want otp_required", got)
			}
			if age := rememberedFor(t, r); age != 0 {
				t.Errorf("password with remember-me, the code not given again: cookie Max-Age %v, want a browser-session cookie", age)
			}
			if tc.withCode {
				r = c.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)})
				r.wantStatus(t, http.StatusOK)
				if age := rememberedFor(t, r); age != tc.remembered {
					t.Errorf("code given after remember-me: cookie Max-Age %v, want %v", age, tc.remembered)
				}
			}
			// Past the session's absolute end.
			for range 5 {
				h.clock.Advance(idle / 2)
				c.get(appHost, "/")
			}
			want := http.StatusUnauthorized
			if tc.alive {
				want = http.StatusOK
			}
			for _, path := range []string{"/", prefix + "/api/session"} {
				if r := c.get(appHost, path); r.status != want {
					t.Errorf("%s 12h15 after a sign-in without remember-me: %d, want %d", path, r.status, want)
				}
			}
		})
	}
}
