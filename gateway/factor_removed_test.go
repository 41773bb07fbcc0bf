package gateway_test

import (
	"net/http"
	"testing"
	"time"
)

// A factor is removed because it may be in someone else's hands: the
// sessions it signed in end with it (docs/contract.md, "Passkeys",
// "Authenticator apps"). Before, removing a stolen passkey or app left
// the thief's session signed in until it expired.

// TestRemovingAPasskeyEndsItsSessions: bob's key signs in a second
// browser (the thief's); a third browser signs in by text. When bob
// removes the key, the key's session ends, his own and the text one stay.
// An administrator's removal ends every session a key signed in.
func TestRemovingAPasskeyEndsItsSessions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	owner := h.newClient(t)
	owner.signIn(crmHost, bob)
	key := registerPasskey(t, owner, "Phone")
	thief := h.newClient(t)
	usePasskey(t, thief, key, true).wantStatus(t, http.StatusOK)
	thief.get(appHost, "/").wantStatus(t, http.StatusOK)
	other := h.newClient(t)
	other.login(crmHost, bob).wantStatus(t, http.StatusOK)
	other.api(crmHost, "otp/resend", nil).wantStatus(t, http.StatusOK) // "use a text message instead"
	other.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, bob.phone)}).wantStatus(t, http.StatusOK)

	page := owner.get(authHost, "/_gatehouse/account")
	ids := regexpAll(`name="id" value="([^"]+)"`, string(page.body))
	if len(ids) != 1 {
		t.Fatalf("account page lists %d keys, want 1", len(ids))
	}
	owner.form(authHost, "/account/passkeys/remove", map[string][]string{"id": {ids[0]}}).wantStatus(t, http.StatusSeeOther)
	thief.get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
	owner.get(appHost, "/").wantStatus(t, http.StatusOK)
	other.get(appHost, "/").wantStatus(t, http.StatusOK)

	// An administrator's removal ends every session a key signed in.
	second := registerPasskey(t, owner, "Laptop")
	usePasskey(t, thief, second, true).wantStatus(t, http.StatusOK)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	id := regexpAll(`"id":"([^"]+)","name":"Laptop"`, string(consoleGet(admin, "users/bob").body))
	if len(id) != 1 {
		t.Fatal("the console does not list bob's key")
	}
	admin.api(authHost, "admin/users/bob/passkeys/remove", map[string]string{"id": id[0]}).wantStatus(t, http.StatusOK)
	thief.get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
	owner.get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated") // it proved a key too
	other.get(appHost, "/").wantStatus(t, http.StatusOK)
}

// TestRemovingTheAppEndsItsSessions: as for a passkey, with the
// authenticator app: the session its code signed in ends when alice
// removes it; a session signed in by text stays.
func TestRemovingTheAppEndsItsSessions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withTOTP)
	owner := h.newClient(t)
	owner.signIn(crmHost, alice)
	secret := enrolApp(t, h, owner)
	thief := h.newClient(t)
	thief.login(crmHost, alice).wantStatus(t, http.StatusOK)
	thief.api(crmHost, "totp", map[string]string{"code": appCodeAt(t, secret, h.clock.Now())}).wantStatus(t, http.StatusOK)
	thief.get(appHost, "/").wantStatus(t, http.StatusOK)
	h.clock.Advance(30 * time.Second)
	other := h.newClient(t)
	other.login(crmHost, alice).wantStatus(t, http.StatusOK)
	other.api(crmHost, "otp/resend", nil).wantStatus(t, http.StatusOK)
	other.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)

	owner.api(authHost, "totp-app/remove", map[string]string{}).wantStatus(t, http.StatusOK)
	thief.get(appHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
	owner.get(appHost, "/").wantStatus(t, http.StatusOK)
	other.get(appHost, "/").wantStatus(t, http.StatusOK)
}
