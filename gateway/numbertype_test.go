package gateway_test

import (
	"fmt"
	"net/http"
	"net/url"
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

// TestNumbersOfNoCountryGetNoCode: numbers of no country (libphonenumber's
// region 001: Iridium and Inmarsat satellite phones, which it calls
// mobile, and the +882/+883 international networks) are among the
// dearest to text and are what toll fraud walks. Before, with
// otp.allowed_countries empty (the default: "any country"), an Iridium
// or Inmarsat number passed every check and was texted from sign-up,
// code-only sign-in and a phone change alike. They are refused with 400
// country_not_allowed before anything is sent, known or not.
func TestNumbersOfNoCountryGetNoCode(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	bobc := h.newClient(t)
	bobc.signIn(crmHost, bob)
	before := h.sms.count(t)
	for i, number := range []string{
		"+881631234567", // Iridium, "mobile"
		"+870773111111", // Inmarsat, "mobile"
	} {
		h.newClient(t).api(appHost, "signup", map[string]string{
			"username": fmt.Sprintf("sat%d", i), "email": fmt.Sprintf("sat%d@example.com", i),
			"phone": number, "password": "a long enough passphrase",
		}).wantError(t, http.StatusBadRequest, "country_not_allowed")
		h.newClient(t).api(smsHost, "sms/start", map[string]string{"phone": number}).wantError(t, http.StatusBadRequest, "country_not_allowed")
		if r := bobc.form(authHost, "/account/phone", url.Values{"phone": {number}}); r.status != http.StatusBadRequest {
			t.Errorf("phone change to %s: %d, want 400", number, r.status)
		}
	}
	if n := h.sms.count(t) - before; n != 0 {
		t.Fatalf("%d SMS sent to numbers of no country", n)
	}
}
