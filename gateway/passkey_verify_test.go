package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestPasskeyRouteAsksTheKeyToVerify: on a route that takes only a
// user-verified passkey, a key that signed in after the password without
// verifying the person is sent back to the passkey page with an
// explanation and a ceremony that requires verification (before: the
// same page, with nothing said, asked the same way again: a circle).
func TestPasskeyRouteAsksTheKeyToVerify(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	c := h.newClient(t)
	c.signIn(crmHost, bob)
	key := registerPasskey(t, c, "Key")
	key.UV = false

	d := h.newClient(t)
	d.login(crmHost, bob).wantStatus(t, http.StatusOK)
	usePasskey(t, d, key, false).wantStatus(t, http.StatusOK)
	d.get(passkeyHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required")

	page := d.browse(crmHost, prefix+"/passkey?rd="+"https://"+passkeyHost+"/")
	page.wantStatus(t, http.StatusOK)
	body := string(page.body)
	if !strings.Contains(body, "checks it is you") || !strings.Contains(body, "data-verify") {
		t.Fatalf("the passkey page says nothing of verification:\n%s", body)
	}
	r := d.api(crmHost, "passkey/login/start", map[string]bool{"verify": true})
	r.wantStatus(t, http.StatusOK)
	var opts struct {
		PublicKey struct {
			UserVerification string `json:"userVerification"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(r.body, &opts); err != nil || opts.PublicKey.UserVerification != "required" {
		t.Fatalf("start with verify: %s, want userVerification required", r.body)
	}
	// Answered with verification, the route lets the person in.
	key.UV = true
	cred, err := key.Get(r.body)
	if err != nil {
		t.Fatal(err)
	}
	d.api(crmHost, "passkey/login", map[string]any{"credential": json.RawMessage(cred)}).wantStatus(t, http.StatusOK)
	d.get(passkeyHost, "/").wantStatus(t, http.StatusOK)
}
