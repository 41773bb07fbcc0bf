package gateway_test

import (
	"net/http"
	"testing"
)

// TestPremiumNumbersGetNoCode: by default (otp.allowed_number_types:
// mobile, fixed_line_or_mobile) a premium-rate, VoIP or other non-mobile
// number gets no code, from sign-up or a code-only sign-in, and nothing is
// sent (sign-up texted eight GB premium-rate numbers from one address).
func TestPremiumNumbersGetNoCode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	for i, number := range []string{
		"+449098790123", // GB premium rate
		"+448712345678", // GB shared cost
		"+445612345678", // GB VoIP
		"+447012345678", // GB personal number
	} {
		c := h.newClient(t)
		r := c.api(appHost, "signup", map[string]string{
			"username": "pump" + string(rune('a'+i)), "email": "pump" + string(rune('a'+i)) + "@example.com",
			"phone": number, "password": "a long enough passphrase",
		})
		r.wantError(t, http.StatusBadRequest, "number_type_not_allowed")
		h.newClient(t).api(smsHost, "sms/start", map[string]string{"phone": number}).wantError(t, http.StatusBadRequest, "number_type_not_allowed")
	}
	if n := h.sms.count(t); n != 0 {
		t.Fatalf("%d SMS sent to non-mobile numbers", n)
	}
	// A mobile number still gets its code.
	h.newClient(t).api(appHost, "signup", map[string]string{
		"username": "mobileuser", "email": "mobile@example.com", "phone": "+447400123456", "password": "a long enough passphrase",
	}).wantStatus(t, http.StatusCreated)
}
