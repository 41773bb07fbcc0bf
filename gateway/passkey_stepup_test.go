package gateway_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestPasskeyStepUpKeepsAPasswordlessSignIn: bob signs in with "Sign in
// with a passkey" (user-verified: both factors, no password typed), then
// is asked for his key again (a step-up, the account page's fresh
// proofs). The ceremony asks the key to verify him, as the sign-in his
// session rests on did: a verified answer keeps him signed in, and one
// that does not verify is refused (401 invalid_passkey) and leaves his
// sign-in as it was. Before, the step-up asked verification only as
// "preferred", and an answer without it was accepted (200
// authenticated) and replaced the verified proof: the session no longer
// stood for the password, and the app answered 401 step_up_required.
func TestPasskeyStepUpKeepsAPasswordlessSignIn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		uv       bool
		answered int
	}{
		{"a verified answer", true, http.StatusOK},
		{"an answer that does not verify", false, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withPasskeys)
			c := h.newClient(t)
			c.signIn(crmHost, bob)
			key := registerPasskey(t, c, "Phone")

			d := h.newClient(t)
			usePasskey(t, d, key, true).wantStatus(t, http.StatusOK)
			d.get(crmHost, "/deals").wantStatus(t, http.StatusOK)

			r := d.api(crmHost, "passkey/login/start", map[string]bool{"passwordless": false})
			r.wantStatus(t, http.StatusOK)
			var opts struct {
				PublicKey struct {
					UserVerification string `json:"userVerification"`
				} `json:"publicKey"`
			}
			if err := json.Unmarshal(r.body, &opts); err != nil || opts.PublicKey.UserVerification != "required" {
				t.Errorf("step-up of a passwordless sign-in: userVerification %q (%v), want required", opts.PublicKey.UserVerification, err)
			}
			key.UV = tc.uv
			cred, err := key.Get(r.body)
			if err != nil {
				t.Fatal(err)
			}
			if a := d.api(crmHost, "passkey/login", map[string]any{"credential": json.RawMessage(cred)}); a.status != tc.answered {
				t.Errorf("the step-up's answer: %d %s, want %d", a.status, a.body, tc.answered)
			}
			d.get(crmHost, "/deals").wantStatus(t, http.StatusOK)
			d.get(passkeyHost, "/").wantStatus(t, http.StatusOK)
		})
	}
}
