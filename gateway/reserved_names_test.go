package gateway_test

import (
	"net/http"
	"testing"
)

// TestTrailActorsAreNoAccountNames: the audit trail names the users
// file's changes with actor users_file, and an account's history (the
// console's page of it, ?user=) lists what its name did as well as what
// was done to it. Before, sign-up and an administrator's create both
// gave the name users_file to anyone, whose history then showed every
// change the file made to other accounts as that account's own. Neither
// takes it now, in any case (400 invalid_input naming the username),
// while a name merely like it is still given (docs/contract.md, "Names
// of deleted accounts").
func TestTrailActorsAreNoAccountNames(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	for i, c := range []struct {
		name  string
		taken bool
	}{
		{"users_file", false},
		{"USERS_FILE", false},
		{" users_file ", false},
		{"users_file2", true},
	} {
		phone := "+1201555016" + string(rune('0'+i))
		email := "reserved" + string(rune('0'+i)) + "@example.com"
		r := h.newClient(t).api(appHost, "signup", map[string]string{"username": c.name, "email": email, "password": "a long unusual passphrase", "phone": phone})
		if c.taken {
			r.wantStatus(t, http.StatusCreated)
		} else {
			r.wantError(t, http.StatusBadRequest, "invalid_input")
			if fields(t, r)["username"] == nil {
				t.Errorf("sign-up as %q: no problem named for the username: %s", c.name, r.body)
			}
		}
		r = admin.api(authHost, "admin/users", map[string]any{"username": c.name, "email": "admin-" + email})
		if c.taken {
			// The sign-up above is pending, holding the name.
			continue
		}
		r.wantError(t, http.StatusBadRequest, "invalid_input")
		if fields(t, r)["username"] == nil {
			t.Errorf("create of %q: no problem named for the username: %s", c.name, r.body)
		}
	}
}
