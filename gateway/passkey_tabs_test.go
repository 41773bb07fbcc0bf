package gateway_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/softkey"
)

// TestPasskeyRemovedMeanwhileLeavesTheOthers: a sign-in after the
// password asks for any of the account's keys; when one of them is
// removed (the person's other tab, an administrator) before the answer
// comes, a key that remains still answers it, and the removed one does
// not (docs/contract.md, "Passkeys"). Before, every answer to such a
// ceremony was refused (401 invalid_passkey, counted against the
// account towards its ban).
func TestPasskeyRemovedMeanwhileLeavesTheOthers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		answer func(lost, kept *softkey.Key) *softkey.Key
		status int
	}{
		{"a key that remains", func(_, kept *softkey.Key) *softkey.Key { return kept }, http.StatusOK},
		{"the key removed", func(lost, _ *softkey.Key) *softkey.Key { return lost }, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withPasskeys)
			owner := h.newClient(t)
			owner.signIn(crmHost, bob)
			lost, kept := registerPasskey(t, owner, "Lost"), registerPasskey(t, owner, "Kept")

			d := h.newClient(t)
			d.login(crmHost, bob).wantStatus(t, http.StatusOK)
			r := d.api(crmHost, "passkey/login/start", map[string]bool{"passwordless": false})
			r.wantStatus(t, http.StatusOK)
			owner.api(authHost, "passkeys/remove", map[string]string{"id": base64.RawURLEncoding.EncodeToString(lost.ID)}).wantStatus(t, http.StatusOK)

			cred, err := tc.answer(lost, kept).Get(r.body)
			if err != nil {
				t.Fatal(err)
			}
			got := d.api(crmHost, "passkey/login", map[string]any{"passwordless": false, "credential": json.RawMessage(cred)})
			if got.status != tc.status {
				t.Fatalf("answer: %d %s, want %d", got.status, got.body, tc.status)
			}
			want := http.StatusOK
			if tc.status != http.StatusOK {
				want = http.StatusUnauthorized
			}
			d.get(crmHost, "/deals").wantStatus(t, want)
		})
	}
}
