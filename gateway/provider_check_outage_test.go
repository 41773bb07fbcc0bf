package gateway_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth/sms"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/fakesms"
)

// outageProvider is a code-checking provider (Twilio Verify, Sinch)
// served by its in-repo fake, whose every request can be made to fail
// (an outage) and whose client gives up after timeout (sms.timeout).
type outageProvider struct {
	providerUnderTest
	failAll func(*fakesms.Failure)
}

func outageProviders(timeout time.Duration) map[string]func(t *testing.T) outageProvider {
	return map[string]func(t *testing.T) outageProvider{
		"twilio_verify": func(t *testing.T) outageProvider {
			f := fakesms.NewTwilio(t, fakesms.TwilioOptions{From: []string{"+12015550199"}})
			p, err := sms.NewTwilioVerify(sms.TwilioConfig{AccountSID: f.AccountSID, AuthToken: f.AuthToken,
				VerifyServiceSID: f.VerifyServiceSID, BaseURL: f.URL, Timeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			return outageProvider{providerUnderTest{p, func(x fakesms.Failure) { f.FailNext(x) }, f.Code}, f.FailAll}
		},
		"sinch": func(t *testing.T) outageProvider {
			f := fakesms.NewSinch(t, fakesms.SinchOptions{CodeLength: 6})
			p, err := sms.NewSinch(sms.SinchConfig{KeyID: f.KeyID, KeySecret: f.KeySecret, BaseURL: f.URL, Timeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			return outageProvider{providerUnderTest{p, func(x fakesms.Failure) { f.FailNext(x) }, f.Code}, f.FailAll}
		},
	}
}

// TestProviderOutageAtTheCheckTellsNoAccount: with Twilio Verify or
// Sinch the provider checks the code, so a code-only sign-in for an
// account's number asked it while one for a number without an account
// (a decoy, which calls no provider) answered 401 in its usual time.
// During an outage, while the provider was slow, or when it refused
// the number's checks, the account's number answered 502
// code_check_failed or 429, or only after the provider: one code typed
// told which numbers have accounts. Such a check is now answered when
// a decoy's is, as a wrong code when the provider gave no verdict by
// then (counted as one), and the failure is on the trail; a right code
// the provider approves after the answer signs in when typed again
// (docs/contract.md, "SMS delivery").
func TestProviderOutageAtTheCheckTellsNoAccount(t *testing.T) {
	t.Parallel()
	const stranger = "+12015550177" // no account has it
	const timeout = 2 * time.Second // the provider's client's sms.timeout
	const slow = 1500 * time.Millisecond
	// A decoy answers a check in about twice a check's (here a send's)
	// usual time, a few ms with the fakes: an answer within bound is a
	// decoy's time, one after it waited for the provider.
	const bound = slow / 2
	failures := map[string]fakesms.Failure{
		"down":      {Status: http.StatusServiceUnavailable, Code: 20503, Message: "service unavailable"},
		"hung":      {Delay: 10 * time.Second},
		"slow":      {Delay: slow},
		"throttled": {Status: http.StatusTooManyRequests, Code: 20429, Message: "too many requests", Header: http.Header{"Retry-After": {"30"}}},
		"refused":   {Status: http.StatusTooManyRequests, Code: 60202, Message: "Max check attempts reached"},
		"html page": {Status: http.StatusBadGateway, Body: "<html>bad gateway</html>"},
	}
	for name, start := range outageProviders(timeout) {
		for fname, failure := range failures {
			t.Run(name+"/"+fname, func(t *testing.T) {
				t.Parallel()
				p := start(t)
				s := withAccounts
				s.sender = p.sender
				s.edit = func(cfg *config.Config, _ string) {
					cfg.OTP.MaxSends.Count = 100
					cfg.OTP.MaxSendsPerIP.Count = 100
				}
				h := newHarness(t, s)
				real, decoy := h.newClient(t), h.newClient(t)
				real.api(smsHost, "sms/start", map[string]string{"phone": bob.phone}).wantStatus(t, http.StatusOK)
				decoy.api(smsHost, "sms/start", map[string]string{"phone": stranger}).wantStatus(t, http.StatusOK)
				code := p.code(bob.phone)
				if code == "" {
					t.Fatal("the provider sent bob no code")
				}
				timed := func(c *client, code string) (reply, time.Duration) {
					began := time.Now()
					r := c.api(smsHost, "otp", map[string]string{"code": code})
					return r, time.Since(began)
				}

				// Bob types his right code, an attacker any code for a
				// number without an account.
				p.failAll(&failure)
				rr, rt := timed(real, code)
				rd, dt := timed(decoy, code)
				if acc, unk := answerShape(t, rr), answerShape(t, rd); acc != unk {
					t.Errorf("the provider %s: bob's number answers\n\t%s %.200s\nand a number without an account\n\t%s", fname, acc, rr.body, unk)
				}
				if rt > bound || dt > bound {
					t.Errorf("the provider %s: bob's number answered in %v, a number without an account in %v, want both within %v", fname, rt, dt, bound)
				}
				if rr.status == http.StatusOK {
					t.Fatalf("the provider %s: bob signed in without a verdict", fname)
				}
				rr.wantError(t, http.StatusUnauthorized, "invalid_code")
				if !strings.Contains(string(trail(t, h, "otp_failed").body), `"user":"bob"`) {
					t.Errorf("the provider %s: bob's unchecked code is not on the trail (otp_failed)", fname)
				}

				// With the provider back (and a slow check's late
				// verdict in), bob's same code signs in.
				p.failAll(nil)
				time.Sleep(slow + 200*time.Millisecond)
				if r := real.api(smsHost, "otp", map[string]string{"code": code}); r.status != http.StatusOK || r.jsonMap(t)["status"] != "authenticated" {
					t.Fatalf("the provider %s and back: bob's right code typed again: %d %s", fname, r.status, r.body)
				}
				decoy.api(smsHost, "otp", map[string]string{"code": code}).wantError(t, http.StatusUnauthorized, "invalid_code")
			})
		}
	}
}
