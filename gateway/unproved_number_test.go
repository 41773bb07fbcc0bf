package gateway_test

import (
	"net/http"
	"testing"
	"time"
)

// TestCodeOnlySignInProvesNoInvitedNumber: a number an administrator
// typed for a new account is proved by a code that comes back after the
// account's password, from its person (docs/contract.md, "Admin
// console"). A code-only sign-in proves only that its client holds the
// number, which is what is in doubt (a typo, a recycled number). Before,
// the holder of the number signed in with a code on an `sms` route, which
// marked the number proved: the invited account then opened that route
// to them, and its password was reset by their text code alone before
// its person ever used the set-password link.
func TestCodeOnlySignInProvesNoInvitedNumber(t *testing.T) {
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
	holder.api(smsHost, "sms/start", map[string]string{"phone": typed}).wantStatus(t, http.StatusOK)
	holder.api(smsHost, "otp", map[string]string{"code": h.sms.code(t, typed)}).wantStatus(t, http.StatusOK)
	before := h.up.count()
	if r := holder.get(smsHost, "/"); r.status == http.StatusOK || h.up.count() != before {
		t.Fatalf("the holder of an unproved number reached the sms route as the invited account: %d", r.status)
	}
	h.clock.Advance(time.Minute)
	holder.api(authHost, "reset", map[string]string{"username": "gus"}).wantStatus(t, http.StatusOK)
	r = holder.api(authHost, "reset", map[string]string{"username": "gus", "code": h.sms.code(t, typed), "password": "the number's holder chose"})
	if r.status == http.StatusOK {
		t.Fatalf("after a code-only sign-in, the holder of an unproved number reset the invited account's password by the text code alone")
	}
	r.wantError(t, http.StatusBadRequest, "invalid_input")

	// Its person sets the password with the link and signs in with it
	// and a code: that proves the number, and the sms route then takes
	// a code alone as for any account.
	person := h.newClient(t)
	person.api(authHost, "reset", map[string]string{"token": token, "password": "gus chose a long one"}).wantStatus(t, http.StatusOK)
	h.clock.Advance(time.Minute)
	gus := testUser{name: "gus", password: "gus chose a long one", phone: typed}
	if st := person.login(authHost, gus).jsonMap(t)["status"]; st != "otp_required" {
		t.Fatalf("the invited account's first sign-in answered %v, want otp_required", st)
	}
	person.api(authHost, "otp", map[string]string{"code": h.sms.code(t, typed)}).wantStatus(t, http.StatusOK)
	h.clock.Advance(time.Minute)
	later := h.newClient(t)
	later.api(smsHost, "sms/start", map[string]string{"phone": typed}).wantStatus(t, http.StatusOK)
	later.api(smsHost, "otp", map[string]string{"code": h.sms.code(t, typed)}).wantStatus(t, http.StatusOK)
	later.get(smsHost, "/").wantStatus(t, http.StatusOK)
}
