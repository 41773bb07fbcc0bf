package gateway_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestPasswordGuessesBetweenPasskeySignInsReachALock: whoever holds a
// user-verified passkey of an account (a synced key taken with the
// account it syncs through, unlocked by the thief's own fingerprint) is
// signed in with both factors, but has not shown the password, which is
// what the account page asks before changing it and what the account's
// password routes take once the key is removed. A sign-in with the key
// alone neither ends the account's run of failures towards a lock nor
// makes its browser a known device that answers for wrong passwords in
// the account's place (docs/contract.md, "Known devices", "Account
// lock"). Before, each such sign-in ended the run and forgot its
// browser's count: the key's holder guessed the password a few at a
// time, at the sign-in or as the account page's current password,
// between sign-ins with the key, without ever meeting the lock.
func TestPasswordGuessesBetweenPasskeySignInsReachALock(t *testing.T) {
	t.Parallel()
	lockAfter6 := setup{edit: func(cfg *config.Config, _ string) {
		cfg.Regulation.MaxFailures = 10
		cfg.Regulation.MaxAccountFailures = 6
	}}
	for _, tc := range []struct {
		name  string
		fresh bool // a new browser for each round
		page  bool // guesses typed as the account page's current password
	}{
		{"at the sign-in, the browser the key signed in", false, false},
		{"at the sign-in, a fresh browser each round", true, false},
		{"on the account page, the browser the key signed in", false, true},
		{"on the account page, a fresh browser each round", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts, withPasskeys, lockAfter6)
			owner := h.newClient(t)
			owner.signIn(crmHost, bob)
			key := registerPasskey(t, owner, "Synced")
			owner.api(crmHost, "logout", nil).wantStatus(t, http.StatusOK)
			thief := h.newClient(t)
			guess := 0
			for round := 0; round < 2; round++ {
				if tc.fresh {
					thief = h.newClient(t)
				}
				usePasskey(t, thief, key, true).wantStatus(t, http.StatusOK)
				for i := 0; i < 3; i++ {
					guess++
					wrong := fmt.Sprintf("guess number %d", guess)
					if tc.page {
						r := thief.form(authHost, "/account/password", url.Values{"current": {wrong}, "password": {"a fresh long passphrase"}})
						r.wantStatus(t, http.StatusBadRequest)
						continue
					}
					thief.login(appHost, testUser{name: bob.name, password: wrong}).wantError(t, http.StatusUnauthorized, "invalid_credentials")
				}
			}
			// Six wrong passwords in a row: the account is locked, the
			// right password refused wherever it is typed but in bob's
			// own browser, the key's holder's included.
			if r := thief.login(appHost, bob); r.status != http.StatusTooManyRequests || r.errorCode(t) != "banned" {
				t.Fatalf("after 6 wrong passwords between passkey sign-ins, the key's holder typed the password: %d %s; want 429 banned", r.status, r.body)
			}
			if r := thief.form(authHost, "/account/password", url.Values{"current": {bob.password}, "password": {"a fresh long passphrase"}}); r.status != http.StatusTooManyRequests {
				t.Fatalf("after 6 wrong passwords between passkey sign-ins, the account page took the current password: %d; want 429", r.status)
			}
			h.newClient(t).login(appHost, bob).wantError(t, http.StatusTooManyRequests, "banned")
			owner.login(appHost, bob).wantStatus(t, http.StatusOK)
			// The key still signs in from the browsers it signed in,
			// where it is all a route asks: the lock is the password's.
			usePasskey(t, thief, key, true).wantStatus(t, http.StatusOK)
		})
	}
}
