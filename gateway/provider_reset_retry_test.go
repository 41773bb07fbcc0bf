package gateway_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth/sms"
	"github.com/gatehouse-auth/gatehouse/internal/fakesms"
)

// TestProviderApprovedCodeStaysGoodForAnotherTry: a reset's text code
// stays good for another try when what follows it is refused (a wrong
// recovery code, a missing one), as with Gatehouse's own codes
// (docs/contract.md, "Password reset"). With Twilio Verify the
// provider's approval ended its verification, so the same right code
// typed again was refused as wrong (401 invalid_code): the person had
// to start the reset over, and met the same trap at the next slip. And
// only the code approved passes then: the fake Sinch, like a provider
// that answers for a verification it approved whatever the code,
// passed any code after the right one.
func TestProviderApprovedCodeStaysGoodForAnotherTry(t *testing.T) {
	t.Parallel()
	providers := map[string]func(t *testing.T) providerUnderTest{
		"twilio_verify": func(t *testing.T) providerUnderTest {
			f := fakesms.NewTwilio(t, fakesms.TwilioOptions{})
			p, err := sms.NewTwilioVerify(sms.TwilioConfig{AccountSID: f.AccountSID, AuthToken: f.AuthToken,
				VerifyServiceSID: f.VerifyServiceSID, BaseURL: f.URL})
			if err != nil {
				t.Fatal(err)
			}
			return providerUnderTest{p, func(x fakesms.Failure) { f.FailNext(x) }, f.Code}
		},
		"sinch": func(t *testing.T) providerUnderTest {
			f := fakesms.NewSinch(t, fakesms.SinchOptions{CodeLength: 6})
			p, err := sms.NewSinch(sms.SinchConfig{KeyID: f.KeyID, KeySecret: f.KeySecret, BaseURL: f.URL})
			if err != nil {
				t.Fatal(err)
			}
			return providerUnderTest{p, func(x fakesms.Failure) { f.FailNext(x) }, f.Code}
		},
	}
	for name, start := range providers {
		for _, known := range []bool{false, true} {
			name := name
			if known {
				name += "/from a known device" // a code that is not hidden
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				p := start(t)
				s := withAccounts
				s.sender = p.sender
				h := newHarness(t, s)
				codes, err := h.recovery.Generate(context.Background(), "bob")
				if err != nil {
					t.Fatal(err)
				}
				c := h.newClient(t)
				if known {
					c.login(crmHost, bob).wantStatus(t, http.StatusOK)
					c.api(crmHost, "otp", map[string]string{"code": p.code(bob.phone)}).wantStatus(t, http.StatusOK)
					c.api(crmHost, "logout", nil).wantStatus(t, http.StatusOK)
				}
				c.api(appHost, "reset", map[string]string{"username": "bob"}).wantStatus(t, http.StatusOK)
				code := p.code(bob.phone)
				if code == "" {
					t.Fatal("the provider sent bob no code")
				}
				in := map[string]string{"username": "bob", "code": code, "password": "a brand new passphrase"}
				c.api(appHost, "reset", in).wantError(t, http.StatusBadRequest, "invalid_input")
				in["recovery_code"] = "zzzz-zzzz-zzzz"
				c.api(appHost, "reset", in).wantError(t, http.StatusUnauthorized, "invalid_recovery_code")
				// Only the code approved passes: not another, whatever the
				// provider says of a verification it approved.
				in["code"], in["recovery_code"] = "000000", codes[0]
				c.api(appHost, "reset", in).wantError(t, http.StatusUnauthorized, "invalid_code")
				in["code"] = code
				c.api(appHost, "reset", in).wantStatus(t, http.StatusOK)
				h.newClient(t).login(appHost, testUser{name: "bob", password: "a brand new passphrase"}).wantStatus(t, http.StatusOK)
				// The code was used up with the reset.
				c.api(appHost, "reset", map[string]string{"username": "bob", "code": code, "password": "yet another passphrase", "recovery_code": codes[1]}).wantError(t, http.StatusGone, "code_expired")
			})
		}
	}
}
