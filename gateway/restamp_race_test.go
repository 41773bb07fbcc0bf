package gateway_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

// TestChangesSessionOutlivesNoLaterChange: a thief who holds a fresh
// session of bob's changes the password or moves the number on the
// account page; the change is written, and the thief's session is a
// round trip from being carried into the new credentials, when an
// administrator clears bob's number (the console's reset-phone, which
// ends every session by the change of credentials). Before, the
// session was carried into whatever credentials the account had by
// then, the administrator's included: the thief stayed signed in past
// the clearing. A session is carried only into the credentials its own
// change wrote; one ended by another change stays ended
// (docs/contract.md, "Sessions end when credentials change").
func TestChangesSessionOutlivesNoLaterChange(t *testing.T) {
	t.Parallel()
	const thiefNumber = "+12015550188"
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, h *harness, thief *client) (path string, vals url.Values)
	}{
		{"password change", func(t *testing.T, _ *harness, thief *client) (string, url.Values) {
			return "/account/password", url.Values{"current": {bob.password}, "password": {"the thief's own choice"}, "csrf": {thief.csrfToken(authHost)}}
		}},
		{"phone change", func(t *testing.T, h *harness, thief *client) (string, url.Values) {
			thief.form(authHost, "/account/phone", url.Values{"phone": {thiefNumber}}).wantStatus(t, http.StatusSeeOther)
			return "/account/phone/verify", url.Values{"code": {h.sms.code(t, thiefNumber)}, "csrf": {thief.csrfToken(authHost)}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, h := newHeldHarness(t, withAccounts)
			thief := h.newClient(t)
			thief.signIn(crmHost, bob)
			path, vals := tc.change(t, h, thief)

			// Held once bob's record holds the thief's change.
			st.arm(func(op, key string) bool { return op == "swapped" && key == storeusers.RecordKeyPrefix+bob.name })
			done := make(chan reply, 1)
			go func() { done <- thief.formRaw(authHost, path, vals) }()
			select {
			case <-st.entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the thief's change never reached its write")
			}
			admin := h.newClient(t)
			admin.signIn(crmHost, alice)
			admin.api(authHost, "admin/users/bob/reset-phone", map[string]any{}).wantStatus(t, http.StatusOK)
			close(st.release)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the thief's change never answered")
			}

			if u, err := h.users.Lookup(context.Background(), bob.name); err != nil || u.Phone != "" {
				t.Fatalf("bob's number after the administrator cleared it: %v %v", u, err)
			}
			if got := thief.browse(authHost, prefix+"/account"); got.status == http.StatusOK {
				t.Errorf("the thief's session outlived the administrator's clearing of the number (account page 200)")
			}
			if got := thief.get(crmHost, "/"); got.status == http.StatusOK {
				t.Errorf("the thief's session reached the app after the administrator's clearing of the number")
			}
		})
	}
}
