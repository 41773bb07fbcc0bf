package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/sms"
	"github.com/gatehouse-auth/gatehouse/internal/fakesms"
)

// providerUnderTest is a code-checking provider (Twilio Verify, Sinch)
// served by its in-repo fake: the real client, the fake's failure
// injection and the code it sent.
type providerUnderTest struct {
	sender   auth.Sender
	failNext func(fakesms.Failure)
	code     func(to string) string
}

func verifyProviders(t *testing.T) map[string]func(t *testing.T) providerUnderTest {
	const timeout = 300 * time.Millisecond // the fakes' Delay is far longer
	return map[string]func(t *testing.T) providerUnderTest{
		"twilio_verify": func(t *testing.T) providerUnderTest {
			f := fakesms.NewTwilio(t, fakesms.TwilioOptions{From: []string{"+12015550199"}})
			p, err := sms.NewTwilioVerify(sms.TwilioConfig{AccountSID: f.AccountSID, AuthToken: f.AuthToken,
				VerifyServiceSID: f.VerifyServiceSID, BaseURL: f.URL, Timeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			return providerUnderTest{p, func(x fakesms.Failure) { f.FailNext(x) }, f.Code}
		},
		"sinch": func(t *testing.T) providerUnderTest {
			f := fakesms.NewSinch(t, fakesms.SinchOptions{CodeLength: 6})
			p, err := sms.NewSinch(sms.SinchConfig{KeyID: f.KeyID, KeySecret: f.KeySecret, BaseURL: f.URL, Timeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			return providerUnderTest{p, func(x fakesms.Failure) { f.FailNext(x) }, f.Code}
		},
	}
}

// TestCatalogueProviderFailureAtTheCheck: catalogue case 23. The provider
// that checks the code times out, fails or throttles while the right code
// is being checked: the person is not signed in, the answer is the
// one for a provider that could not be asked (502 code_check_failed, 429
// rate_limited when it throttles; never a 200 or an "approved"), the
// session gains no proof, and once the provider answers again the same
// right code still signs in (docs/contract.md, "SMS delivery").
func TestCatalogueProviderFailureAtTheCheck(t *testing.T) {
	t.Parallel()
	failures := map[string]fakesms.Failure{
		"timeout":   {Delay: 10 * time.Second},
		"dropped":   {Drop: true},
		"5xx":       {Status: http.StatusInternalServerError, Code: 20500, Message: "internal error"},
		"throttled": {Status: http.StatusTooManyRequests, Code: 20429, Message: "too many requests", Header: http.Header{"Retry-After": {"30"}}},
		"html page": {Status: http.StatusBadGateway, Body: "<html>bad gateway</html>"},
	}
	for name, start := range verifyProviders(t) {
		for fname, failure := range failures {
			t.Run(name+"/"+fname, func(t *testing.T) {
				t.Parallel()
				p := start(t)
				h := newHarness(t, setup{sender: p.sender})
				c := h.newClient(t)
				c.login(crmHost, alice).wantStatus(t, http.StatusOK)
				code := p.code(alice.phone)
				if code == "" {
					t.Fatal("the provider sent no code")
				}
				p.failNext(failure)
				r := c.api(crmHost, "otp", map[string]string{"code": code})
				if fname == "throttled" {
					r.wantError(t, http.StatusTooManyRequests, "rate_limited")
				} else {
					r.wantError(t, http.StatusBadGateway, "code_check_failed")
				}
				if got := c.get(crmHost, "/"); got.status != http.StatusUnauthorized {
					t.Fatalf("protected app after the failed check: %d, want 401", got.status)
				}
				c.api(crmHost, "otp", map[string]string{"code": code}).wantStatus(t, http.StatusOK)
				c.get(crmHost, "/").wantStatus(t, http.StatusOK)
			})
		}
	}
}
