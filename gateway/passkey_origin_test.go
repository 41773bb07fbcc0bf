package gateway_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/softkey"
)

// TestPasskeyCeremonyBoundToItsOrigin: a passkey ceremony is answered
// only on the origin whose page started it. Behind a front door the
// portal is served on public_url's host alone, while every app host is
// a passkey origin too (the defaults): before, a script on an app's page
// (injected into a legacy app) that got the victim's key to answer a
// challenge the attacker had started on the portal gave the attacker a
// session of the victim's, both factors, in the attacker's own browser.
// A host that is no passkey origin starts no ceremony (404
// passkeys_unavailable) rather than one no key can answer.
func TestPasskeyCeremonyBoundToItsOrigin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	c := h.newClient(t)
	c.signIn(crmHost, bob)
	key := registerPasskey(t, c, "Key") // made on public_url, answering on https://crm.example.com

	for _, passwordless := range []bool{true, false} {
		attacker := h.newClient(t)
		if !passwordless {
			attacker.login(authHost, bob).wantStatus(t, http.StatusOK) // a phished password
		}
		r := attacker.api(authHost, "passkey/login/start", map[string]bool{"passwordless": passwordless})
		r.wantStatus(t, http.StatusOK)
		key.Origin = crmOrigin // the app's page answers it
		cred, err := key.Get(r.body)
		if err != nil {
			t.Fatal(err)
		}
		attacker.api(authHost, "passkey/login", map[string]any{"passwordless": passwordless, "credential": json.RawMessage(cred)}).
			wantError(t, http.StatusUnauthorized, "invalid_passkey")
		attacker.get(crmHost, "/").wantStatus(t, http.StatusUnauthorized)
	}

	// On the portal's own page, the same key signs in.
	d := h.newClient(t)
	r := d.api(authHost, "passkey/login/start", map[string]bool{"passwordless": true})
	r.wantStatus(t, http.StatusOK)
	key.Origin = publicURL
	cred, err := key.Get(r.body)
	if err != nil {
		t.Fatal(err)
	}
	d.api(authHost, "passkey/login", map[string]any{"passwordless": true, "credential": json.RawMessage(cred)}).wantStatus(t, http.StatusOK)

	// Registration too: a key made on another origin than the page that
	// asked for it is refused.
	r = c.api(authHost, "passkeys/register/start", map[string]string{})
	r.wantStatus(t, http.StatusOK)
	other := softkey.New(crmOrigin)
	body, err := other.Create(r.body)
	if err != nil {
		t.Fatal(err)
	}
	c.api(authHost, "passkeys/register", map[string]any{"name": "Other", "credential": json.RawMessage(body)}).
		wantError(t, http.StatusUnauthorized, "invalid_passkey")

	// A host that is no passkey origin (not under the relying party id).
	h.newClient(t).api("elsewhere.test", "passkey/login/start", map[string]bool{"passwordless": true}).
		wantError(t, http.StatusNotFound, "passkeys_unavailable")
}

// TestNoPasskeysOnAPublicHost: a host whose routes are all bypass (public
// pages, which may be anyone's) is no passkey origin: a ceremony is not
// started there (before: a script on such a page, with the attacker's
// ceremony started on the same host, relayed a visitor's key).
func TestNoPasskeysOnAPublicHost(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	h.newClient(t).api(publicHost, "passkey/login/start", map[string]bool{"passwordless": true}).
		wantError(t, http.StatusNotFound, "passkeys_unavailable")
}
