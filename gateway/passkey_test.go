package gateway_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/softkey"
)

const (
	keyOnlyHost   = "keys.example.com"    // two_factor, phishing_resistant
	passkeyHost   = "passkey.example.com" // passkey policy
	crmOrigin     = "https://crm.example.com"
	foreignOrigin = "https://crm.example.com.evil.test"
)

// withPasskeys turns passkeys on (relying party example.com, the cookie
// domain; origins public_url's and the route hosts') and adds a
// phishing-resistant route and a passkey-policy route.
var withPasskeys = setup{edit: func(cfg *config.Config, up string) {
	cfg.Passkeys = config.Passkeys{Enabled: true}
	cfg.Routes = append(cfg.Routes,
		config.Route{Name: "keys-only", Host: keyOnlyHost, PathPrefix: "/", Upstream: up, Policy: "two_factor", PhishingResistant: true},
		config.Route{Name: "passkey", Host: passkeyHost, PathPrefix: "/", Upstream: up, Policy: "passkey"},
	)
}}

// registerPasskey adds a software key for the account of c (signed in
// with fresh password and text code) through the JSON API.
func registerPasskey(t *testing.T, c *client, name string) *softkey.Key {
	t.Helper()
	r := c.api(authHost, "passkeys/register/start", map[string]string{})
	r.wantStatus(t, http.StatusOK)
	key := softkey.New(publicURL) // made on the account page, public_url's origin
	cred, err := key.Create(r.body)
	if err != nil {
		t.Fatal(err)
	}
	c.api(authHost, "passkeys/register", map[string]any{"name": name, "credential": json.RawMessage(cred)}).wantStatus(t, http.StatusOK)
	key.Origin = crmOrigin // and used to sign in on the CRM's host
	return key
}

// usePasskey answers a passkey sign-in of c (after the password, or
// passwordless) with key.
func usePasskey(t *testing.T, c *client, key *softkey.Key, passwordless bool) reply {
	t.Helper()
	r := c.api(crmHost, "passkey/login/start", map[string]bool{"passwordless": passwordless})
	r.wantStatus(t, http.StatusOK)
	cred, err := key.Get(r.body)
	if err != nil {
		t.Fatal(err)
	}
	return c.api(crmHost, "passkey/login", map[string]any{"passwordless": passwordless, "credential": json.RawMessage(cred)})
}

// TestPasskeySignInAPI: after registration, the password step answers
// passkey_required (no text sent) with every method bob has, strongest
// first; the key signs in, the upstream sees pwd,hwk and amr
// [pwd hwk mfa]; the account lists the key with its last use.
func TestPasskeySignInAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	c := h.newClient(t)
	c.signIn(crmHost, bob)
	key := registerPasskey(t, c, "Laptop")
	key.UV = false

	sent := h.sms.count(t)
	d := h.newClient(t)
	r := d.login(crmHost, bob)
	r.wantStatus(t, http.StatusOK)
	if m := r.jsonMap(t); m["status"] != "passkey_required" || !slices.Equal(toStrings(m["methods"]), []string{"hwk", "sms"}) || h.sms.count(t) != sent {
		t.Fatalf("password step: %s, texts %d→%d; want passkey_required [hwk sms] and no text", r.body, sent, h.sms.count(t))
	}
	d.get(crmHost, "/deals").wantError(t, http.StatusUnauthorized, "step_up_required")
	usePasskey(t, d, key, false).wantStatus(t, http.StatusOK)
	d.get(crmHost, "/deals").wantStatus(t, http.StatusOK)
	seen := h.up.last(t)
	if got := seen.Header.Get("X-Auth-Methods"); got != "pwd,hwk" {
		t.Errorf("X-Auth-Methods = %q, want pwd,hwk", got)
	}
	if claims := h.verify(t, seen.Header.Get("X-Auth-Assertion"), "crm"); !slices.Equal(claims.AMR, []string{"pwd", "hwk", "mfa"}) {
		t.Errorf("amr = %v, want [pwd hwk mfa]", claims.AMR)
	}
	// Not user-verified: not the passkey policy.
	d.get(passkeyHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required")

	r = d.get(authHost, prefix+"/api/passkeys")
	r.wantStatus(t, http.StatusOK)
	var list struct {
		Passkeys []struct {
			Name     string    `json:"name"`
			LastUsed time.Time `json:"last_used"`
		} `json:"passkeys"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil || len(list.Passkeys) != 1 || list.Passkeys[0].Name != "Laptop" || list.Passkeys[0].LastUsed.IsZero() {
		t.Fatalf("passkeys: %s (%v)", r.body, err)
	}
}

// TestPasskeyPasswordlessAPI: a user-verified discoverable key alone
// signs in on a two_factor route and the passkey policy: methods hwk,
// amr [hwk mfa].
func TestPasskeyPasswordlessAPI(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	c := h.newClient(t)
	c.signIn(crmHost, bob)
	key := registerPasskey(t, c, "Phone")

	d := h.newClient(t)
	usePasskey(t, d, key, true).wantStatus(t, http.StatusOK)
	for _, host := range []string{crmHost, passkeyHost, keyOnlyHost} {
		d.get(host, "/").wantStatus(t, http.StatusOK)
	}
	seen := h.up.last(t)
	if got := seen.Header.Get("X-Auth-User"); got != "bob" {
		t.Fatalf("X-Auth-User = %q, want bob", got)
	}
	if got := seen.Header.Get("X-Auth-Methods"); got != "hwk" {
		t.Errorf("X-Auth-Methods = %q, want hwk", got)
	}
	if claims := h.verify(t, seen.Header.Get("X-Auth-Assertion"), "keys-only"); !slices.Equal(claims.AMR, []string{"hwk", "mfa"}) {
		t.Errorf("amr = %v, want [hwk mfa]", claims.AMR)
	}
}

// TestPasskeyWrongOriginRefused: an answer made for another site (a
// phishing page relaying the challenge) is 401 invalid_passkey, signs
// nobody in, and counts against the key's account like a wrong code
// (passwordless too: the key names it): the fifth is a ban.
func TestPasskeyWrongOriginRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	c := h.newClient(t)
	c.signIn(crmHost, bob)
	key := registerPasskey(t, c, "Key")
	phished := key.Clone()
	phished.Origin = foreignOrigin

	d := h.newClient(t)
	d.login(crmHost, bob).wantStatus(t, http.StatusOK)
	usePasskey(t, d, phished, false).wantError(t, http.StatusUnauthorized, "invalid_passkey")
	d.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required")
	e := h.newClient(t)
	usePasskey(t, e, phished, true).wantError(t, http.StatusUnauthorized, "invalid_passkey")
	e.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")

	for range 3 {
		usePasskey(t, d, phished, false).wantError(t, http.StatusUnauthorized, "invalid_passkey")
	}
	r := d.api(crmHost, "passkey/login/start", map[string]bool{})
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("after five refused answers: %d %s, want 429", r.status, r.body)
	}
	// The account is banned: even its real key is refused for now.
	if r := usePasskey(t, h.newClient(t), key, true); r.status != http.StatusTooManyRequests {
		t.Fatalf("the real key during the ban: %d %s, want 429", r.status, r.body)
	}
}

// TestPasskeyClonedAuthenticatorRefused: a copy of a key whose signature
// counter is behind the key's (a cloned authenticator) is refused, and
// the audit trail says so; the real key goes on working.
func TestPasskeyClonedAuthenticatorRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	c := h.newClient(t)
	c.signIn(crmHost, bob)
	key := registerPasskey(t, c, "Key")
	clone := key.Clone()
	for range 3 {
		d := h.newClient(t)
		usePasskey(t, d, key, true).wantStatus(t, http.StatusOK)
	}
	d := h.newClient(t)
	usePasskey(t, d, clone, true).wantError(t, http.StatusUnauthorized, "invalid_passkey")
	d.get(crmHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")

	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	r := consoleGet(admin, "audit?event=passkey_clone_detected")
	r.wantStatus(t, http.StatusOK)
	if !strings.Contains(string(r.body), `"bob"`) {
		t.Fatalf("audit of passkey_clone_detected: %s", r.body)
	}
	usePasskey(t, h.newClient(t), key, true).wantStatus(t, http.StatusOK)
}

// TestPhishingResistantRoute: a phishing_resistant route takes a passkey
// and nothing else: a text code or a recovery code after the password is
// stepped up, a key after the password (user-verified or not) gets in.
func TestPhishingResistantRoute(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	c := h.newClient(t)
	c.signIn(crmHost, bob)
	c.get(keyOnlyHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required")
	// No key yet: nothing to step up with.
	c.api(keyOnlyHost, "passkey/login/start", map[string]bool{}).wantError(t, http.StatusForbidden, "passkey_not_enrolled")

	key := registerPasskey(t, c, "Key")
	key.UV = false
	d := h.newClient(t)
	d.login(keyOnlyHost, bob).wantStatus(t, http.StatusOK)
	code, err := h.recovery.Issue(t.Context(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	d.api(keyOnlyHost, "recovery", map[string]string{"code": code}).wantStatus(t, http.StatusOK)
	d.get(crmHost, "/").wantStatus(t, http.StatusOK) // a recovery code stands in elsewhere
	d.get(keyOnlyHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required")
	usePasskey(t, d, key, false).wantStatus(t, http.StatusOK)
	d.get(keyOnlyHost, "/").wantStatus(t, http.StatusOK)
}

// TestPasskeyAdminMethods: the admin API lists an account's methods
// (phone, passkeys with name and use) and removes a passkey, audited;
// the removed key no longer signs in.
func TestPasskeyAdminMethods(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	c := h.newClient(t)
	c.signIn(crmHost, bob)
	key := registerPasskey(t, c, "Work laptop")
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	r := consoleGet(admin, "users/bob")
	r.wantStatus(t, http.StatusOK)
	var d struct {
		User    map[string]any `json:"user"`
		Methods []struct {
			Method, ID, Name, Phone string
		} `json:"methods"`
	}
	if err := json.Unmarshal(r.body, &d); err != nil || d.User["username"] != "bob" || len(d.Methods) != 2 ||
		d.Methods[0].Method != "sms" || strings.Contains(d.Methods[0].Phone, "5550101") ||
		d.Methods[1].Method != "hwk" || d.Methods[1].Name != "Work laptop" || d.Methods[1].ID == "" {
		t.Fatalf("user detail: %s (%v)", r.body, err)
	}
	admin.api(authHost, "admin/users/bob/passkeys/remove", map[string]string{"id": "nope"}).wantError(t, http.StatusNotFound, "passkey_not_found")
	admin.api(authHost, "admin/users/bob/passkeys/remove", map[string]string{"id": d.Methods[1].ID}).wantStatus(t, http.StatusOK)
	usePasskey(t, h.newClient(t), key, true).wantError(t, http.StatusUnauthorized, "invalid_passkey")
	if r := consoleGet(admin, "audit?event=admin_passkey_removed"); !strings.Contains(string(r.body), `"alice"`) {
		t.Fatalf("audit: %s", r.body)
	}
}

// TestPasskeyRegistrationNeedsFreshProofs: adding or removing a key takes
// every factor proved within 10 minutes: a password-only session, or an
// SMS one once the account has a key, is 401 step_up_required.
func TestPasskeyRegistrationNeedsFreshProofs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	c := h.newClient(t)
	c.signIn(appHost, bob) // password only
	c.api(authHost, "passkeys/register/start", map[string]string{}).wantError(t, http.StatusUnauthorized, "step_up_required")
	c.signIn(crmHost, bob)
	registerPasskey(t, c, "First")
	h.clock.Advance(11 * time.Minute)
	d := h.newClient(t)
	d.login(crmHost, bob).wantStatus(t, http.StatusOK)
	d.api(crmHost, "otp/resend", nil).wantStatus(t, http.StatusOK)
	d.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, bob.phone)}).wantStatus(t, http.StatusOK)
	d.api(authHost, "passkeys/register/start", map[string]string{}).wantError(t, http.StatusUnauthorized, "step_up_required")
}

// TestPasskeyForceTwoFactor: a force_two_factor account with a passkey
// is asked for it after the password even on a password route, and the
// key (user-verified) alone meets its rule.
func TestPasskeyForceTwoFactor(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	c := h.newClient(t)
	c.signIn(crmHost, carol)
	key := registerPasskey(t, c, "Key")
	d := h.newClient(t)
	r := d.login(appHost, carol)
	r.wantStatus(t, http.StatusOK)
	if m := r.jsonMap(t); m["status"] != "passkey_required" {
		t.Fatalf("force_two_factor password step on a password route: %s, want passkey_required", r.body)
	}
	d.get(appHost, "/").wantError(t, http.StatusUnauthorized, "step_up_required")
	e := h.newClient(t)
	usePasskey(t, e, key, true).wantStatus(t, http.StatusOK)
	e.get(appHost, "/").wantStatus(t, http.StatusOK)
}

// TestPasskeyStartsWithoutSessionBounded: every passwordless start from
// a client without a session writes a session and a challenge to the
// store; past 60 in 10 minutes from one network they are 429, while a
// client that has its session goes on.
func TestPasskeyStartsWithoutSessionBounded(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withPasskeys)
	kept := h.newClient(t)
	kept.api(crmHost, "passkey/login/start", map[string]bool{"passwordless": true}).wantStatus(t, http.StatusOK)
	for range 59 {
		h.newClient(t).api(crmHost, "passkey/login/start", map[string]bool{"passwordless": true}).wantStatus(t, http.StatusOK)
	}
	r := h.newClient(t).api(crmHost, "passkey/login/start", map[string]bool{"passwordless": true})
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("the 61st start without a session: %d %s, want 429 with Retry-After", r.status, r.body)
	}
	kept.api(crmHost, "passkey/login/start", map[string]bool{"passwordless": true}).wantStatus(t, http.StatusOK)
}
