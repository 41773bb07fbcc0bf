package gateway_test

import (
	"net/http"
	"testing"
)

// TestDeletedAccountsPasskeyOpensNoNewAccount: an administrator deletes
// bob, who had a passkey, and creates a new bob; the old bob's key (still
// in his authenticator) signs nobody in (before: the delete left the keys
// behind, and the new account inherited them: whoever held the old key
// signed in as the new person, without a password).
func TestDeletedAccountsPasskeyOpensNoNewAccount(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, withPasskeys)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	old := h.newClient(t)
	old.signIn(crmHost, bob)
	key := registerPasskey(t, old, "Old phone")

	admin.api(appHost, "admin/users/bob/delete", map[string]any{}).wantStatus(t, http.StatusOK)
	admin.api(appHost, "admin/users", map[string]any{"username": "bob", "email": "bob@example.com"}).wantStatus(t, http.StatusCreated)

	thief := h.newClient(t)
	usePasskey(t, thief, key, true).wantError(t, http.StatusUnauthorized, "invalid_passkey")
	thief.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
}
