package gateway_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// signupFrom is one sign-up of a fresh client from ip, with phone.
func (h *harness) signupFrom(t *testing.T, ip, username, phone string) *client {
	t.Helper()
	c := h.newClient(t)
	c.apiFrom(ip, appHost, "signup", map[string]string{"username": username, "email": username + "@example.net",
		"phone": phone, "password": "a long enough passphrase"}).wantStatus(t, http.StatusCreated)
	return c
}

// TestSignupCodeFailuresTellNoPhone: a sign-up's wrong codes count
// against the number typed, whether or not an account has it
// (docs/contract.md, "Sign-up", "Regulation"). Before, a fresh sign-up's
// counted against the username chosen and a taken number's decoy against
// the number: max_failures wrong codes, then one more sign-up with the
// number, answered 401 where the number was free and 429 banned where an
// account had it, telling anyone which numbers have accounts; and a
// brute force of a free number's code, a new username each sign-up,
// never met a ban or a lock.
func TestSignupCodeFailuresTellNoPhone(t *testing.T) {
	t.Parallel()
	answers := map[string]string{}
	for name, phone := range map[string]string{"taken": alice.phone, "free": "+12015550177"} {
		// One code takes max_failures wrong codes, all counted: the
		// one that uses up a code's attempts is not (docs/contract.md,
		// "Regulation").
		h := newHarness(t, withAccounts, setup{edit: func(cfg *config.Config, _ string) {
			cfg.OTP.MaxAttempts = cfg.Regulation.MaxFailures + 1
		}})
		c := h.signupFrom(t, "198.51.100.1", "probe1", phone)
		for i := 1; i <= h.cfg.Regulation.MaxFailures; i++ {
			c.apiFrom("198.51.100.1", appHost, "otp", map[string]string{"code": wrongCode("000000", i)})
		}
		// The next sign-up with the number is refused while its subject
		// is banned (nothing sent: docs/contract.md, "Regulation"), else
		// its code is tried.
		c2 := h.newClient(t)
		r := c2.apiFrom("198.51.100.2", appHost, "signup", map[string]string{"username": "probe2", "email": "probe2@example.net",
			"phone": phone, "password": "a long enough passphrase"})
		if r.status == http.StatusCreated {
			r = c2.apiFrom("198.51.100.2", appHost, "otp", map[string]string{"code": "000000"})
		}
		answers[name] = fmt.Sprintf("%d %s", r.status, r.errorCode(t))
		// A password sign-in with the number counts against the account
		// that has it, else the number: so must the sign-up's codes.
		r = h.loginFrom(t, "198.51.100.3", phone, "not the password")
		answers[name] += fmt.Sprintf(", then login %d %s", r.status, r.errorCode(t))
	}
	if answers["taken"] != answers["free"] {
		t.Fatalf("after max_failures wrong sign-up codes, the next sign-up's code is answered %q for a number an account has and %q for a free one", answers["taken"], answers["free"])
	}
}

// TestSignupCodeGuessesAreCountedPerNumber: guessing the code of
// sign-ups for one number, a new username each time, meets the account
// lock as guessing one account's codes does (docs/contract.md,
// "Regulation"). Before, each sign-up's failures counted against its own
// new name: a reservation's 15 minutes apart, 20 guesses an hour at one
// number's code, every hour, with no ban or lock ever.
func TestSignupCodeGuessesAreCountedPerNumber(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	const victim = "+12015550177"
	reservation := 3 * h.cfg.OTP.TTL // auth.SignUp's
	for guesses, i := 0, 0; guesses < defaultMaxAccountFailures; i++ {
		ip := fmt.Sprintf("198.51.100.%d", i%250+1)
		c := h.signupFrom(t, ip, fmt.Sprintf("guess%d", i), victim)
		code := h.sms.code(t, victim)
		// All but the code's last attempt: that one ends the code and is
		// not counted (docs/contract.md, "Regulation").
		for a := 1; a < h.cfg.OTP.MaxAttempts && guesses < defaultMaxAccountFailures; a++ {
			r := c.apiFrom(ip, appHost, "otp", map[string]string{"code": wrongCode(code, a)})
			if r.status != http.StatusUnauthorized {
				t.Fatalf("guess %d: %d %s", guesses+1, r.status, r.body)
			}
			guesses++
		}
		// The reservation lets the number go, and any ban has ended.
		h.clock.Advance(max(reservation, h.cfg.Regulation.BanTime) + time.Second)
	}
	// The number is locked: the next sign-up with it is refused before
	// any code is sent, since the code would be refused (docs/contract.md,
	// "Regulation").
	sent := h.sms.count(t)
	h.newClient(t).apiFrom("203.0.113.9", appHost, "signup", map[string]string{"username": "guess-last", "email": "guess-last@example.net",
		"phone": victim, "password": "a long enough passphrase"}).wantError(t, http.StatusTooManyRequests, "banned")
	if n := h.sms.count(t) - sent; n != 0 {
		t.Errorf("the locked number was texted %d codes", n)
	}
}
