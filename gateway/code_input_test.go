package gateway_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestEmptyOrNonDigitCodeUsesNoAttempt: an empty or non-digit code (a
// blank submit, a fullwidth paste) is not a guess: it is answered "Enter
// the 6-digit code…" and uses none of the code's attempts (before, five
// empty submits killed the code).
func TestEmptyOrNonDigitCodeUsesNoAttempt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.login(crmHost, alice).wantStatus(t, http.StatusOK)
	for _, bad := range []string{"", " ", "abcdef", "１２３４５６", "12345x", "", "", ""} {
		r := c.api(crmHost, "otp", map[string]string{"code": bad})
		r.wantError(t, http.StatusBadRequest, "invalid_input")
		if !strings.Contains(string(r.body), "6-digit code") {
			t.Fatalf("%q: %s", bad, r.body)
		}
	}
	c.api(crmHost, "otp", map[string]string{"code": h.sms.code(t, alice.phone)}).wantStatus(t, http.StatusOK)
}
