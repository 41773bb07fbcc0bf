package gateway_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// passwordRoutesOnly leaves the harness with routes that ask for the
// password alone: no route has the two_factor or passkey policy, so only
// the admin console asks an account for two factors.
var passwordRoutesOnly = setup{edit: func(cfg *config.Config, _ string) {
	var keep []config.Route
	for _, r := range cfg.Routes {
		if r.Policy != "two_factor" && r.Policy != "passkey" {
			keep = append(keep, r)
		}
	}
	cfg.Routes = keep
}}

// TestSMSAloneResetsNoAdministrator: the admin console asks its members
// for two factors, so an administrator signs in with two factors even
// where no route does. A stolen SIM alone must not reset such an
// account's password (then password + SMS opened the console: a SIM
// swap took over the gateway's administration); the reset asks for a
// recovery code as it does for any two-factor account (docs/contract.md,
// "Password reset, step one").
func TestSMSAloneResetsNoAdministrator(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, passwordRoutesOnly)
	codes, err := h.recovery.Generate(context.Background(), alice.name)
	if err != nil {
		t.Fatal(err)
	}
	const stolen = "the sim swapper chose this"

	swapper := h.newClient(t)
	swapper.api(authHost, "reset", map[string]string{"username": alice.name}).wantStatus(t, http.StatusOK)
	in := map[string]string{"username": alice.name, "code": h.sms.code(t, alice.phone), "password": stolen}
	r := swapper.api(authHost, "reset", in)
	if r.status == http.StatusOK {
		// What the SIM alone then opened: password, a text code, the console.
		admin := h.newClient(t)
		admin.login(authHost, testUser{name: alice.name, password: stolen}).wantStatus(t, http.StatusOK)
		h.clock.Advance(time.Minute) // the number's resend cooldown
		admin.api(authHost, "otp/resend", nil).wantStatus(t, http.StatusOK)
		admin.api(authHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)
		consoleGet(admin, "users").wantStatus(t, http.StatusOK)
		t.Fatalf("an administrator's password was reset by the text code alone, and the console opened")
	}
	r.wantError(t, http.StatusBadRequest, "invalid_input")
	if f := fields(t, r); f["recovery_code"] == nil {
		t.Fatalf("administrator's reset by SMS alone answered %s, want the recovery_code field", r.body)
	}
	in["recovery_code"] = codes[0]
	swapper.api(authHost, "reset", in).wantStatus(t, http.StatusOK)

	// An account outside admin.group still resets by the text code alone
	// there: nothing it signs in to asks for two factors.
	c := h.newClient(t)
	c.api(authHost, "reset", map[string]string{"username": bob.name}).wantStatus(t, http.StatusOK)
	c.api(authHost, "reset", map[string]string{"username": bob.name, "code": h.sms.code(t, bob.phone), "password": "bob chose a new one"}).wantStatus(t, http.StatusOK)
}

// TestUnprovedPhoneAloneResetsNoInvitedAccount: an account an
// administrator creates with a phone number signs in with two factors
// until a code to that number comes back (docs/contract.md, "Admin
// console"), so its password is reset as a two-factor account's: the
// text code alone does not do. Before, whoever held the number typed
// (a typo, a recycled number) reset the password of an account nobody
// had yet opened, before its person used the set-password link, which
// then died: the account was theirs.
func TestUnprovedPhoneAloneResetsNoInvitedAccount(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, passwordRoutesOnly)
	admin := h.newClient(t)
	admin.login(authHost, alice).wantStatus(t, http.StatusOK)
	h.clock.Advance(time.Minute)
	admin.api(authHost, "otp/resend", nil).wantStatus(t, http.StatusOK)
	admin.api(authHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)
	const typed = "+12015550189" // the number the administrator typed
	r := admin.api(authHost, "admin/users", map[string]any{"username": "gus", "email": "gus@example.com", "phone": typed})
	r.wantStatus(t, http.StatusCreated)
	token := linkToken(t, r)

	holder := h.newClient(t)
	holder.api(authHost, "reset", map[string]string{"username": "gus"}).wantStatus(t, http.StatusOK)
	r = holder.api(authHost, "reset", map[string]string{"username": "gus", "code": h.sms.code(t, typed), "password": "the number's holder chose"})
	if r.status == http.StatusOK {
		t.Fatalf("the holder of an unproved number reset the invited account's password by the text code alone")
	}
	r.wantError(t, http.StatusBadRequest, "invalid_input")
	if f := fields(t, r); f["recovery_code"] == nil {
		t.Fatalf("reset of an unproved number by SMS alone answered %s, want the recovery_code field", r.body)
	}
	// The person the link was made for still sets the password with it.
	h.newClient(t).api(authHost, "reset", map[string]string{"token": token, "password": "gus chose a long one"}).wantStatus(t, http.StatusOK)
}
