package gateway_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestStoredDisplayNamesTurnNothingAround: a display name the store kept
// from before names were checked may hold a right-to-left override. On
// the console's list of accounts and the account's page it is isolated
// (<bdi>), so the override turns around only the name itself, never the
// email, phone or labels shown after it (docs/contract.md, "Admin
// console"). Before, the rest of the row read backwards.
func TestStoredDisplayNamesTurnNothingAround(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	hash, err := testHasher.Hash(t.Context(), "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	const name = "Eve \u202enimda"
	if err := h.users.Add(t.Context(), &auth.User{Username: "eve", DisplayName: name, Email: "eve@example.com", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	for _, page := range []string{prefix + "/admin/?q=eve", prefix + "/admin/users/eve"} {
		body := string(admin.browse(authHost, page).body)
		if n := strings.Count(body, name); n == 0 || n != strings.Count(body, "<bdi>"+name+"</bdi>") {
			t.Errorf("%s shows the stored name %d times, %d of them isolated in <bdi>:\n%s", page, n, strings.Count(body, "<bdi>"+name+"</bdi>"), body)
		}
	}
}
