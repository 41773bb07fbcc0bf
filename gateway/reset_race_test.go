package gateway_test

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestNewPasswordInFlightUndoesNoAdministratorsChange: a password chosen
// through a reset code or a set-password link is written only while the
// account still has the credentials the code or link was checked
// against (docs/contract.md, "Sessions end when credentials change").
// Before, once its hash was made (and its wait for a hashing slot, which
// anyone can lengthen) it was written over whatever had happened
// meanwhile: a SIM swapper's reset landed after the administrator cleared
// the stolen number and ended the password, and the holder of a
// deleted account's link set the password of the next person given the
// name.
func TestNewPasswordInFlightUndoesNoAdministratorsChange(t *testing.T) {
	t.Parallel()
	const thiefPassword = "the thief's own choice"
	for _, tc := range []struct {
		name string
		// start makes the thief's request, whose new password is then
		// hashed; it returns the name of the account it is for.
		start func(t *testing.T, h *harness, thief *client) (string, func() reply)
		// meanwhile is the administrator's change, made during the hash.
		meanwhile func(t *testing.T, h *harness, admin *client, name string)
		status    int
		code      string
	}{
		{"a reset code, the number cleared and the password ended", func(t *testing.T, h *harness, thief *client) (string, func() reply) {
			codes, err := h.recovery.Generate(context.Background(), bob.name)
			if err != nil {
				t.Fatal(err)
			}
			thief.api(authHost, "reset", map[string]string{"username": bob.name}).wantStatus(t, http.StatusOK)
			in := map[string]string{"username": bob.name, "code": h.sms.code(t, bob.phone), "password": thiefPassword, "recovery_code": codes[0]}
			return bob.name, func() reply { return thief.api(authHost, "reset", in) }
		}, func(t *testing.T, h *harness, admin *client, name string) {
			admin.api(authHost, "admin/users/"+name+"/reset-phone", map[string]any{}).wantStatus(t, http.StatusOK)
			admin.api(authHost, "admin/users/"+name+"/force-reset", map[string]any{}).wantStatus(t, http.StatusOK)
		}, http.StatusGone, "code_expired"},
		{"a set-password link, the name deleted and given again", func(t *testing.T, h *harness, thief *client) (string, func() reply) {
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			r := admin.api(authHost, "admin/users", map[string]any{"username": "gus", "email": "gus@example.com"})
			r.wantStatus(t, http.StatusCreated)
			in := map[string]string{"token": linkToken(t, r), "password": thiefPassword}
			return "gus", func() reply { return thief.api(authHost, "reset", in) }
		}, func(t *testing.T, h *harness, admin *client, name string) {
			admin.api(authHost, "admin/users/"+name+"/delete", map[string]any{}).wantStatus(t, http.StatusOK)
			admin.api(authHost, "admin/users", map[string]any{"username": name, "email": "another.gus@example.com", "reuse_name": true}).wantStatus(t, http.StatusCreated)
		}, http.StatusGone, "link_expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hasher := newGatedHasher(thiefPassword)
			h := newHarness(t, withAccounts, setup{hasher: hasher})
			thief := h.newClient(t)
			name, send := tc.start(t, h, thief)
			done := make(chan reply, 1)
			go func() { done <- send() }()
			select {
			case <-hasher.entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the new password never reached its hash")
			}
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			tc.meanwhile(t, h, admin, name)
			close(hasher.release)
			var r reply
			select {
			case r = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the new password never answered")
			}
			if r.status == http.StatusOK {
				t.Errorf("the password chosen before the administrator's change was set after it")
			}
			r.wantError(t, tc.status, tc.code)
			h.newClient(t).login(appHost, testUser{name: name, password: thiefPassword}).wantError(t, http.StatusUnauthorized, "invalid_credentials")
		})
	}
}
