package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestRecoveryCodeGuessesReachTheLock: someone who has bob's password
// guesses his recovery codes (60 bits each, under NIST SP 800-63B's 64,
// so their guesses must be limited), fewer than max_failures per
// find_time, signing in with the password alone (a password route)
// between rounds, from a new address each round. The wrong codes are
// failures in a row all the same: at regulation.max_account_failures of
// them his recovery codes are refused for account_lock_time, the right
// one too; the password and a text code still sign in, and an
// administrator's unban ends the lock (docs/contract.md, "Recovery
// codes", "Regulation"). Before, each password-only sign-in ended the
// account's run, so recovery codes could be guessed without end.
func TestRecoveryCodeGuessesReachTheLock(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	codes, err := h.recovery.Generate(context.Background(), bob.name)
	if err != nil {
		t.Fatal(err)
	}
	c := guessRecoveryCodesToTheLock(t, h)
	c.api(crmHost, "recovery", map[string]string{"code": codes[0]}).wantError(t, http.StatusTooManyRequests, "banned")
	// The lock is the recovery codes': the owner's other factors still
	// work, and an unban ends it.
	h.newClient(t).signIn(crmHost, bob)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice) // an administrator
	admin.api(authHost, "admin/users/bob/unban", map[string]any{}).wantStatus(t, http.StatusOK)
	owner := h.newClient(t)
	owner.login(crmHost, bob).wantStatus(t, http.StatusOK)
	owner.api(crmHost, "recovery", map[string]string{"code": codes[0]}).wantStatus(t, http.StatusOK)
}

// TestANewSetOfRecoveryCodesStartsUnlocked: after someone with bob's
// password locked his recovery codes (TestRecoveryCodeGuessesReachTheLock),
// bob signs in with the password and a text code and makes a new set,
// which takes every factor fresh: its codes work at once. Before, they
// were refused 429 for the rest of the old set's lock, up to a day.
func TestANewSetOfRecoveryCodesStartsUnlocked(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	guessRecoveryCodesToTheLock(t, h)
	owner := h.newClient(t)
	owner.signIn(crmHost, bob)
	r := owner.api(authHost, "recovery-codes", map[string]any{})
	r.wantStatus(t, http.StatusOK)
	codes := toStrings(r.jsonMap(t)["codes"])
	c := h.newClient(t)
	c.login(crmHost, bob).wantStatus(t, http.StatusOK)
	c.api(crmHost, "recovery", map[string]string{"code": codes[0]}).wantStatus(t, http.StatusOK)
}

// guessRecoveryCodesToTheLock guesses bob's recovery codes as
// TestRecoveryCodeGuessesReachTheLock tells, until they are refused,
// which must be at max_account_failures wrong codes and not before, and
// returns the guesser's client.
func guessRecoveryCodesToTheLock(t *testing.T, h *harness) *client {
	t.Helper()
	perRound := h.cfg.Regulation.MaxFailures - 1 // stays under the ban
	guessed := 0
	for round := 0; guessed <= defaultMaxAccountFailures; round++ {
		if round > 0 {
			h.clock.Advance(h.cfg.Regulation.FindTime + time.Second)
		}
		ip := fmt.Sprintf("198.51.100.%d", round%250+1)
		c := h.newClient(t)
		c.apiFrom(ip, appHost, "login", map[string]string{"username": bob.name, "password": bob.password}).
			wantStatus(t, http.StatusOK)
		for range perRound {
			guess := fmt.Sprintf("%04d-%04d-%04d", guessed/1e8, guessed/1e4%1e4, guessed%1e4)
			r := c.apiFrom(ip, crmHost, "recovery", map[string]string{"code": guess})
			switch r.status {
			case http.StatusTooManyRequests:
				if guessed < defaultMaxAccountFailures {
					t.Fatalf("banned after %d wrong recovery codes, before the lock (%s)", guessed, r.body)
				}
				return c
			case http.StatusUnauthorized:
				guessed++
			default:
				t.Fatalf("recovery code %d: %d %s", guessed, r.status, r.body)
			}
		}
	}
	t.Fatalf("%d wrong recovery codes after password-only sign-ins, and no lock (max_account_failures %d)", guessed, defaultMaxAccountFailures)
	return nil
}

// TestAnIssuedRecoveryCodeWorksThroughTheLock: someone who has bob's
// password locked his recovery codes by guessing them
// (TestRecoveryCodeGuessesReachTheLock); bob, whose phone is lost, asks
// an administrator, who issues him a one-time code in the console. It
// signs him in after the password at once, and so does one of his own
// set: issuing ends the run, ban and lock of the account's recovery
// codes, as reset-2fa does (docs/contract.md, "Recovery codes"). Before,
// the issued code was refused 429 banned for the rest of the lock, up to
// a day, unless the administrator also thought of an unban.
func TestAnIssuedRecoveryCodeWorksThroughTheLock(t *testing.T) {
	t.Parallel()
	for _, then := range []string{"issued", "own"} {
		t.Run(then, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			own, err := h.recovery.Generate(context.Background(), bob.name)
			if err != nil {
				t.Fatal(err)
			}
			guessRecoveryCodesToTheLock(t, h)
			admin := h.newClient(t)
			admin.signIn(crmHost, alice) // an administrator
			r := admin.api(authHost, "admin/users/bob/recovery", map[string]string{})
			r.wantStatus(t, http.StatusOK)
			code, _ := r.jsonMap(t)["code"].(string)
			if then == "own" {
				code = own[0]
			}
			back := h.newClient(t)
			back.login(crmHost, bob).wantStatus(t, http.StatusOK)
			back.api(crmHost, "recovery", map[string]string{"code": code}).wantStatus(t, http.StatusOK)
			back.get(crmHost, "/").wantStatus(t, http.StatusOK)
		})
	}
}
