package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestAppCodeGuessesReachTheLock: someone who has alice's password
// guesses her authenticator app's code, fewer than max_failures per
// find_time, and signs in with the password alone (a password route, or
// no target) between rounds, from a new address each round. The wrong
// app codes are failures in a row all the same: at
// regulation.max_account_failures of them the app's codes are refused
// for account_lock_time, the right one too; the password and a text code
// still sign in (docs/contract.md, "Regulation", "Authenticator apps").
// Before, each password-only sign-in ended the run, so the app's code
// could be guessed without end.
func TestAppCodeGuessesReachTheLock(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withTOTP)
	owner := h.newClient(t)
	owner.signIn(crmHost, alice)
	secret := enrolApp(t, h, owner)

	c := guessAppCodesToTheLock(t, h, secret)
	c.api(crmHost, "totp", map[string]string{"code": appCodeAt(t, secret, h.clock.Now())}).
		wantError(t, http.StatusTooManyRequests, "banned")
	// The lock is the app's: the owner's other factors still work.
	h.newClient(t).signIn(smsOnlyHost, alice)
}

// guessAppCodesToTheLock guesses alice's app codes (secret) as
// TestAppCodeGuessesReachTheLock tells, until they are refused, which
// must be at max_account_failures wrong codes and not before, and
// returns the guesser's client.
func guessAppCodesToTheLock(t *testing.T, h *harness, secret string) *client {
	t.Helper()
	perRound := h.cfg.Regulation.MaxFailures - 1 // stays under the ban
	guess, guessed := 0, 0
	for round := 0; guessed <= defaultMaxAccountFailures; round++ {
		if round > 0 {
			h.clock.Advance(h.cfg.Regulation.FindTime + time.Second)
		}
		valid := map[string]bool{}
		for _, off := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
			valid[appCodeAt(t, secret, h.clock.Now().Add(off))] = true
		}
		ip := fmt.Sprintf("198.51.100.%d", round%250+1)
		c := h.newClient(t)
		r := c.apiFrom(ip, appHost, "login", map[string]string{"username": alice.name, "password": alice.password})
		r.wantStatus(t, http.StatusOK)
		for range perRound {
			code := fmt.Sprintf("%06d", guess)
			guess++
			if valid[code] {
				continue
			}
			r := c.apiFrom(ip, crmHost, "totp", map[string]string{"code": code})
			switch r.status {
			case http.StatusTooManyRequests:
				if guessed < defaultMaxAccountFailures {
					t.Fatalf("banned after %d wrong app codes, before the lock (%s)", guessed, r.body)
				}
				return c
			case http.StatusUnauthorized:
				guessed++
			default:
				t.Fatalf("app code %d: %d %s", guessed, r.status, r.body)
			}
		}
	}
	t.Fatalf("%d wrong app codes after password-only sign-ins, and no lock (max_account_failures %d)", guessed, defaultMaxAccountFailures)
	return nil
}

// TestANewAppStartsUnlocked: someone with alice's password locked her
// authenticator app by guessing its codes (TestAppCodeGuessesReachTheLock).
// She signs in with the password and a recovery code, removes the app
// and sets up a new one, which takes every factor fresh: the new app's
// codes work at once, and so does a new set of recovery codes after
// their lock (docs/contract.md, "Authenticator apps", "Recovery
// codes"). Before, the new app's right codes were refused 429 for the
// rest of the old one's lock, up to a day.
func TestANewAppStartsUnlocked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withTOTP)
	owner := h.newClient(t)
	owner.signIn(crmHost, alice)
	secret := enrolApp(t, h, owner)
	codes, err := h.recovery.Generate(context.Background(), alice.name)
	if err != nil {
		t.Fatal(err)
	}
	guessAppCodesToTheLock(t, h, secret)

	back := h.newClient(t)
	back.login(crmHost, alice).wantStatus(t, http.StatusOK)
	back.api(crmHost, "recovery", map[string]string{"code": codes[0]}).wantStatus(t, http.StatusOK)
	back.api(authHost, "totp-app/remove", map[string]string{}).wantStatus(t, http.StatusOK)
	fresh := enrolApp(t, h, back)

	c := h.newClient(t)
	c.login(crmHost, alice).wantStatus(t, http.StatusOK)
	c.api(crmHost, "totp", map[string]string{"code": appCodeAt(t, fresh, h.clock.Now())}).wantStatus(t, http.StatusOK)
}
