package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestRecoveryCodesForAnAppOnlyAccount: an account that signs in with an
// authenticator app and no phone is offered recovery codes at its first
// sign-in with the app, makes a set (before: 409, "add a phone number
// first", so losing the app locked it out for good), and a code then
// stands in for the app. An account with no second factor at all still
// cannot make a set.
func TestRecoveryCodesForAnAppOnlyAccount(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withTOTP, withAccounts, setup{offerRecovery: true})
	c := h.newClient(t)
	c.signIn(crmHost, alice)
	secret := enrolApp(t, h, c)
	if err := h.users.SetPhone(t.Context(), alice.name, ""); err != nil {
		t.Fatal(err)
	}

	// Sign in on the portal with the password and the app's code.
	d := h.newClient(t)
	rd := "https://" + crmHost + "/deals"
	r := d.form(authHost, "/login", url.Values{"username": {alice.name}, "password": {alice.password}, "rd": {rd}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), prefix+"/totp") {
		t.Fatalf("password step: %d %s", r.status, r.header.Get("Location"))
	}
	r = d.form(authHost, "/totp", url.Values{"code": {appCodeAt(t, secret, h.clock.Now())}, "rd": {rd}})
	if r.status == http.StatusSeeOther && strings.HasPrefix(r.header.Get("Location"), prefix+"/login") {
		r = d.browse(authHost, r.header.Get("Location"))
	}
	if want := prefix + "/recovery-codes?rd=" + url.QueryEscape(rd); r.status != http.StatusSeeOther || r.header.Get("Location") != want {
		t.Fatalf("app sign-in: %d %q, want the offer %q", r.status, r.header.Get("Location"), want)
	}
	made := d.api(authHost, "recovery-codes", map[string]any{})
	made.wantStatus(t, http.StatusOK)
	codes, _ := made.jsonMap(t)["codes"].([]any)
	if len(codes) != auth.RecoveryCodeCount {
		t.Fatalf("%d codes, want %d: %s", len(codes), auth.RecoveryCodeCount, made.body)
	}

	// The app is lost: the password and a recovery code sign in.
	h.clock.Advance(time.Minute)
	e := h.newClient(t)
	if m := e.login(crmHost, alice).jsonMap(t); m["status"] != "totp_required" {
		t.Fatalf("password step answers %v, want totp_required", m)
	}
	e.api(crmHost, "recovery", map[string]string{"code": codes[0].(string)}).wantStatus(t, http.StatusOK)
	e.get(crmHost, "/deals").wantStatus(t, http.StatusOK)

	// Without any second factor there is nothing to back up.
	f := h.newClient(t)
	f.signIn(crmHost, bob)
	if err := h.users.SetPhone(t.Context(), bob.name, ""); err != nil {
		t.Fatal(err)
	}
	g := h.newClient(t)
	g.login(crmHost, bob)
	g.api(authHost, "recovery-codes", map[string]any{}).wantError(t, http.StatusConflict, "recovery_needs_factor")
}

// TestRecoveryCodeAddsNoPasskey: a phishing-resistant route takes a
// passkey only, and no recovery code stands in. Before, the password and
// one recovery code (both can be phished) added the phisher's own key to
// an account that had one (the code stood in for the owner's key in the
// fresh proofs), and the new key opened the route. Now adding or removing
// a key of an account that has one needs one of its keys: 403
// passkey_needed, on the API and the account page.
func TestRecoveryCodeAddsNoPasskey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	owner := h.newClient(t)
	owner.signIn(crmHost, bob)
	registerPasskey(t, owner, "Owner's key")

	code, err := h.recovery.Issue(t.Context(), "bob") // one the phisher got hold of
	if err != nil {
		t.Fatal(err)
	}
	d := h.newClient(t)
	d.login(keyOnlyHost, bob).wantStatus(t, http.StatusOK)
	d.api(keyOnlyHost, "recovery", map[string]string{"code": code}).wantStatus(t, http.StatusOK)
	d.get(keyOnlyHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required")
	d.api(authHost, "passkeys/register/start", map[string]string{}).wantError(t, http.StatusForbidden, "passkey_needed")
	page := d.get(authHost, "/_gatehouse/account")
	id := regexpAll(`name="id" value="([^"]+)"`, string(page.body))
	if len(id) == 0 {
		t.Fatalf("account page lists no key to remove: %d", page.status)
	}
	r := d.form(authHost, "/account/passkeys/remove", url.Values{"id": {id[0]}})
	if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "ask an administrator") {
		t.Fatalf("removing the owner's key with a recovery code: %d, want 403 saying to ask an administrator", r.status)
	}
	d.get(keyOnlyHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required")
	// The owner, who signs in with the key, still adds one.
	registerPasskey(t, owner, "Spare key")
}
