package gateway_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestPasswordGuessesBetweenCodeOnlySignInsReachALock: whoever holds an
// account's number (a swapped SIM) signs in with a code alone where a
// route takes it, but that proves nothing of the password, which the
// account's other routes ask for too. Such a sign-in neither ends the
// account's run of failures towards a lock nor makes its browser a
// known device that answers for wrong passwords in the account's place
// (docs/contract.md, "Known devices", "Account lock"). Before, each
// code-only sign-in ended the run, and gave the browser a new
// known-device cookie whose own count started afresh: the holder of the
// number guessed the password a few at a time, between code-only
// sign-ins, without ever meeting the lock.
func TestPasswordGuessesBetweenCodeOnlySignInsReachALock(t *testing.T) {
	t.Parallel()
	lockAfter6 := setup{edit: func(cfg *config.Config, _ string) {
		cfg.Regulation.MaxFailures = 10
		cfg.Regulation.MaxAccountFailures = 6
	}}
	for _, tc := range []struct {
		name  string
		fresh bool // a new browser for each round
	}{
		{"the browser the code signed in", false},
		{"a fresh browser each round", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, lockAfter6)
			owner := knownBrowser(t, h, bob) // password and code
			holder := h.newClient(t)
			guess := 0
			for round := 0; round < 2; round++ {
				if tc.fresh {
					holder = h.newClient(t)
				}
				holder.api(smsHost, "sms/start", map[string]string{"phone": bob.phone}).wantStatus(t, http.StatusOK)
				holder.api(smsHost, "otp", map[string]string{"code": h.sms.code(t, bob.phone)}).wantStatus(t, http.StatusOK)
				holder.api(smsHost, "logout", nil).wantStatus(t, http.StatusOK)
				for i := 0; i < 3; i++ {
					guess++
					holder.login(appHost, testUser{name: bob.name, password: fmt.Sprintf("guess number %d", guess)}).wantError(t, http.StatusUnauthorized, "invalid_credentials")
				}
			}
			// Six wrong passwords in a row: the account is locked, the
			// right password refused, wherever it is typed but in
			// bob's own browser.
			if r := holder.login(appHost, bob); r.status != http.StatusTooManyRequests || r.errorCode(t) != "banned" {
				t.Fatalf("after 6 wrong passwords between code-only sign-ins, the number's holder typed the password: %d %s; want 429 banned", r.status, r.body)
			}
			h.newClient(t).login(appHost, bob).wantError(t, http.StatusTooManyRequests, "banned")
			owner.login(appHost, bob).wantStatus(t, http.StatusOK)
			// The code still signs the holder in where a code is all a
			// route asks, from the browser it signed in before.
			if !tc.fresh {
				holder.api(smsHost, "sms/start", map[string]string{"phone": bob.phone}).wantStatus(t, http.StatusOK)
				holder.api(smsHost, "otp", map[string]string{"code": h.sms.code(t, bob.phone)}).wantStatus(t, http.StatusOK)
			}
		})
	}
}
