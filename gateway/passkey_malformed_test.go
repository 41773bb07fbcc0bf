package gateway_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestMalformedPasskeyAnswerIsTheAccounts: after the password, the
// ceremony names the account, so an answer that does not even parse is
// refused as the account's, as every refused answer is (docs/contract.md,
// "Passkeys"): audited login_failed for it and counted against it.
// Before, it was audited for nobody and counted against the client
// only, so whoever had the password could try the key step without the
// account's history showing it.
func TestMalformedPasskeyAnswerIsTheAccounts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	c := h.newClient(t)
	c.signIn(crmHost, bob)
	registerPasskey(t, c, "Key")

	d := h.newClient(t)
	d.login(crmHost, bob).wantStatus(t, http.StatusOK)
	d.api(crmHost, "passkey/login/start", map[string]bool{"passwordless": false}).wantStatus(t, http.StatusOK)
	d.api(crmHost, "passkey/login", map[string]any{"passwordless": false, "credential": json.RawMessage(`{"id":"AA","type":"public-key","response":{}}`)}).
		wantError(t, http.StatusUnauthorized, "invalid_passkey")

	events, _, err := h.auditPage(t, "login_failed")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Attrs["reason"] == "passkey_invalid" {
			if e.User != "bob" {
				t.Fatalf("the refused answer audited for %q, want bob", e.User)
			}
			return
		}
	}
	t.Fatalf("no login_failed passkey_invalid in %+v", events)
}
