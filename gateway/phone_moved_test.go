package gateway_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestCodeToALeftNumberIsDead: a SIM swapper holding alice's number asks
// for a code (a password reset; a code-only sign-in); alice moves her
// account to a new number before it is used. Before, the code sent to
// the old number still set her password, or signed the swapper in with
// a text-message proof, for the rest of its five minutes: challenges were
// bound to the username only. Now a code works only while the number it
// went to is the account's.
func TestCodeToALeftNumberIsDead(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Users.Reset.Require = []string{config.ResetProofSMS}
	}})
	swapper := h.newClient(t)
	swapper.api(appHost, "reset", map[string]string{"username": alice.name}).wantStatus(t, http.StatusOK)
	resetCode := h.sms.code(t, alice.phone)
	signin := h.newClient(t)
	signin.api(smsHost, "sms/start", map[string]string{"phone": alice.phone}).wantStatus(t, http.StatusOK)
	loginCode := h.sms.code(t, alice.phone)

	c := h.newClient(t)
	c.signIn(crmHost, alice)
	const moved = "+12015550177"
	c.form(authHost, "/account/phone", url.Values{"phone": {moved}}).wantStatus(t, http.StatusSeeOther)
	c.form(authHost, "/account/phone/verify", url.Values{"code": {h.sms.code(t, moved)}}).wantStatus(t, http.StatusSeeOther)

	r := swapper.api(appHost, "reset", map[string]string{"username": alice.name, "code": resetCode, "password": "the swapper's own passphrase"})
	if r.status == http.StatusOK {
		t.Errorf("a reset code sent to alice's old number set her password after she moved: %s", r.body)
	}
	if r := signin.api(smsHost, "otp", map[string]string{"code": loginCode}); r.status == http.StatusOK {
		t.Errorf("a sign-in code sent to alice's old number signed in after she moved: %s", r.body)
	}
	signin.get(smsHost, "/").wantError(t, http.StatusUnauthorized, "unauthenticated")
}
