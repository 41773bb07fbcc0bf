package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestPasskeyOfAnAccountThatMayNotSignInChangesNothing: a passwordless
// answer of a key whose account may not sign in now (disabled, or
// locked by wrong passwords) is refused before the key is checked, and
// leaves the key as it was: the console shows no use of it, and its
// signature counter has not moved (docs/contract.md, "Passkeys").
// Before, the answer was checked and saved first, then refused: the
// administrator looking into a disabled or locked account read that its
// key was used at that moment, though nobody signed in.
func TestPasskeyOfAnAccountThatMayNotSignInChangesNothing(t *testing.T) {
	t.Parallel()
	lockAfter3 := setup{edit: func(cfg *config.Config, _ string) {
		cfg.Regulation.MaxFailures = 10
		cfg.Regulation.MaxAccountFailures = 3
		cfg.Regulation.AccountLockTime = 10 * time.Minute
	}}
	for _, tc := range []struct {
		name   string
		refuse func(t *testing.T, h *harness, admin *client)
		status int
		code   string
	}{
		{"disabled", func(t *testing.T, _ *harness, admin *client) {
			admin.api(authHost, "admin/users/bob/disable", map[string]string{}).wantStatus(t, http.StatusOK)
		}, http.StatusUnauthorized, "invalid_passkey"},
		{"locked", func(t *testing.T, h *harness, _ *client) {
			guesser := h.newClient(t)
			for range 3 {
				guesser.login(appHost, testUser{name: bob.name, password: "not the password"}).wantError(t, http.StatusUnauthorized, "invalid_credentials")
			}
		}, http.StatusTooManyRequests, "banned"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withAccounts, withPasskeys, lockAfter3)
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			owner := h.newClient(t)
			owner.signIn(crmHost, bob)
			key := registerPasskey(t, owner, "Phone")
			lastUsed := func() any {
				t.Helper()
				methods, _ := consoleGet(admin, "users/bob").jsonMap(t)["methods"].([]any)
				for _, m := range methods {
					if m := m.(map[string]any); m["method"] == "hwk" {
						return m["last_used"]
					}
				}
				t.Fatalf("bob's key is not listed: %v", methods)
				return nil
			}

			tc.refuse(t, h, admin)
			h.clock.Advance(time.Minute)
			clone := key.Clone() // the key as it was before the refused answer
			usePasskey(t, h.newClient(t), key, true).wantError(t, tc.status, tc.code)
			if got := lastUsed(); got != nil {
				t.Fatalf("the console says bob's key was last used %v, after an answer that signed nobody in", got)
			}
			if tc.name == "disabled" {
				admin.api(authHost, "admin/users/bob/enable", map[string]string{}).wantStatus(t, http.StatusOK)
			} else {
				h.clock.Advance(10 * time.Minute) // past the lock
			}
			// The counter was not moved on by the refused answer: the key
			// as it was then (its next answer's counter) is not a clone.
			usePasskey(t, h.newClient(t), clone, true).wantStatus(t, http.StatusOK)
		})
	}
}
