package gateway_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
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

	admin.api(authHost, "admin/users/bob/delete", map[string]any{}).wantStatus(t, http.StatusOK)
	admin.api(authHost, "admin/users", map[string]any{"username": "bob", "email": "bob@example.com", "reuse_name": true}).wantStatus(t, http.StatusCreated)

	thief := h.newClient(t)
	usePasskey(t, thief, key, true).wantError(t, http.StatusUnauthorized, "invalid_passkey")
	thief.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
}

// TestConsolePageRemovesAPasskey: the account's page lists its phone
// (masked) and passkeys by name; its Remove form (no script) takes the
// key away, and the key then signs nobody in.
func TestConsolePageRemovesAPasskey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	c := h.newClient(t)
	c.signIn(crmHost, bob)
	key := registerPasskey(t, c, "Work laptop")
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)

	page := admin.browse(authHost, prefix+"/admin/users/bob")
	page.wantStatus(t, http.StatusOK)
	body := string(page.body)
	m := keyIDField.FindStringSubmatch(body)
	if !strings.Contains(body, "Work laptop") || !strings.Contains(body, "Text messages") || strings.Contains(body, bob.phone) || m == nil {
		t.Fatalf("the account page does not list the methods (phone masked, key by name):\n%s", body)
	}
	r := admin.form(authHost, "/admin/users/bob/remove-passkey", url.Values{"id": {m[1]}})
	if r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "done=admin.method_removed") {
		t.Fatalf("remove: %d %s", r.status, r.header.Get("Location"))
	}
	usePasskey(t, h.newClient(t), key, true).wantError(t, http.StatusUnauthorized, "invalid_passkey")
	if body := string(admin.browse(authHost, prefix+"/admin/users/bob").body); strings.Contains(body, "Work laptop") {
		t.Fatal("the removed key is still listed")
	}
}

var keyIDField = regexp.MustCompile(`<input type="hidden" name="id" value="([^"]+)">`)
