package gateway_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestTOTPEnrolmentBelongsToItsSession: alice starts setting up an app
// in one browser; another session of hers (fresh proofs: a SIM swapper
// who has the password, say) neither reads the secret off the
// confirming page's error, nor confirms it with its code, nor has its
// own secret shown to her in place of hers (docs/contract.md,
// "Authenticator apps": the secret is bound to the session that started
// setting it up). Before, a wrong code from any session showed the
// account's pending secret, so its holder kept a copy of the app the
// owner then confirmed.
func TestTOTPEnrolmentBelongsToItsSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withTOTP)
	owner := h.newClient(t)
	owner.signIn(crmHost, alice)
	r := owner.api(authHost, "totp-app", map[string]string{})
	r.wantStatus(t, http.StatusOK)
	secret, _ := r.jsonMap(t)["secret"].(string)
	if secret == "" {
		t.Fatalf("enrolment answer %s", r.body)
	}

	other := h.newClient(t)
	other.signIn(crmHost, alice)
	page := other.form(authHost, "/account/totp/confirm", url.Values{"code": {"000000"}})
	if strings.Contains(string(page.body), secret) {
		t.Fatalf("another session's wrong code (%d) was shown the owner's secret", page.status)
	}
	other.api(authHost, "totp-app", map[string]string{"code": appCodeAt(t, secret, h.clock.Now())}).
		wantError(t, http.StatusForbidden, "totp_not_enrolled") // not the owner's secret: none for it

	// The other session starts its own: the owner's confirming page
	// does not show her that one instead.
	r = other.api(authHost, "totp-app", map[string]string{})
	r.wantStatus(t, http.StatusOK)
	theirs, _ := r.jsonMap(t)["secret"].(string)
	page = owner.form(authHost, "/account/totp/confirm", url.Values{"code": {appCodeAt(t, secret, h.clock.Now())}})
	if theirs == "" || strings.Contains(string(page.body), theirs) || page.status == http.StatusSeeOther {
		t.Fatalf("owner's confirm after another session's start: %d, shown the other secret %t", page.status, strings.Contains(string(page.body), theirs))
	}
}
