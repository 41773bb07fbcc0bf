package gateway_test

import (
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
				c.apiFrom(ip, crmHost, "totp", map[string]string{"code": appCodeAt(t, secret, h.clock.Now())}).
					wantError(t, http.StatusTooManyRequests, "banned")
				// The lock is the app's: the owner's other factors still work.
				h.newClient(t).signIn(smsOnlyHost, alice)
				return
			case http.StatusUnauthorized:
				guessed++
			default:
				t.Fatalf("app code %d: %d %s", guessed, r.status, r.body)
			}
		}
	}
	t.Fatalf("%d wrong app codes after password-only sign-ins, and no lock (max_account_failures %d)", guessed, defaultMaxAccountFailures)
}
