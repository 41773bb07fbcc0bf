package gateway_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth/sms"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/fakesms"
)

// sharedProvider is a provider that keeps one verification per number
// (Twilio Verify answers a new one with the pending one and its code;
// Sinch aborts the pending one), served by its in-repo fake: code is
// the newest code texted to a number, texts how many texts it got.
type sharedProvider struct {
	providerUnderTest
	texts func(to string) int
}

func sharedProviders() map[string]func(t *testing.T) sharedProvider {
	return map[string]func(t *testing.T) sharedProvider{
		"twilio_verify": func(t *testing.T) sharedProvider {
			f := fakesms.NewTwilio(t, fakesms.TwilioOptions{From: []string{"+12015550199"}})
			p, err := sms.NewTwilioVerify(sms.TwilioConfig{AccountSID: f.AccountSID, AuthToken: f.AuthToken,
				VerifyServiceSID: f.VerifyServiceSID, BaseURL: f.URL})
			if err != nil {
				t.Fatal(err)
			}
			texts := func(to string) (n int) {
				for _, v := range f.Verifications() {
					if v.To == to {
						n += v.Sends
					}
				}
				return n
			}
			return sharedProvider{providerUnderTest{p, func(x fakesms.Failure) { f.FailNext(x) }, f.Code}, texts}
		},
		"sinch": func(t *testing.T) sharedProvider {
			f := fakesms.NewSinch(t, fakesms.SinchOptions{CodeLength: 6})
			p, err := sms.NewSinch(sms.SinchConfig{KeyID: f.KeyID, KeySecret: f.KeySecret, BaseURL: f.URL})
			if err != nil {
				t.Fatal(err)
			}
			texts := func(to string) (n int) {
				for _, v := range f.Verifications() {
					if v.Number == to {
						n++
					}
				}
				return n
			}
			return sharedProvider{providerUnderTest{p, func(x fakesms.Failure) { f.FailNext(x) }, f.Code}, texts}
		},
	}
}

// TestOutsidersCodesVoidNoOnesPendingCode: Twilio Verify keeps one
// verification per number, and Sinch one (a new one aborts the
// pending one). An outsider who started a code-only sign-in for bob's
// number shared bob's pending code (Twilio texted bob the same code
// again; Sinch texted a new one and voided bob's), and the outsider's
// five wrong codes, checked at the provider, spent the verification's
// checks and cancelled it: the code bob then typed was refused, after
// his password, from his own known device, or in a code-only sign-in
// he had started first. Now a code's checks reach the provider only
// from the sign-in that holds the number's verification: a code asked
// anonymously while another is pending for the number is answered as a
// decoy (code sent, nothing texted), and one asked after the password
// or from a known device takes the verification over (docs/contract.md,
// "SMS delivery").
func TestOutsidersCodesVoidNoOnesPendingCode(t *testing.T) {
	t.Parallel()
	bobsFlows := []struct {
		name  string
		first bool // the outsider starts first and guesses three codes
		start func(t *testing.T, h *harness, p sharedProvider) (*client, string)
	}{
		{name: "after the password", start: func(t *testing.T, h *harness, _ sharedProvider) (*client, string) {
			c := h.newClient(t)
			c.login(crmHost, bob).wantStatus(t, http.StatusOK)
			return c, crmHost
		}},
		{name: "after the password, the outsider first", first: true, start: func(t *testing.T, h *harness, _ sharedProvider) (*client, string) {
			c := h.newClient(t)
			c.login(crmHost, bob).wantStatus(t, http.StatusOK)
			return c, crmHost
		}},
		{name: "code only from a known device", start: func(t *testing.T, h *harness, p sharedProvider) (*client, string) {
			c := h.newClient(t)
			c.login(crmHost, bob).wantStatus(t, http.StatusOK)
			c.api(crmHost, "otp", map[string]string{"code": p.code(bob.phone)}).wantStatus(t, http.StatusOK)
			c.api(crmHost, "logout", nil).wantStatus(t, http.StatusOK)
			c.api(smsHost, "sms/start", map[string]string{"phone": bob.phone}).wantStatus(t, http.StatusOK)
			return c, smsHost
		}},
		{name: "code only, bob first", start: func(t *testing.T, h *harness, _ sharedProvider) (*client, string) {
			c := h.newClient(t)
			c.api(smsHost, "sms/start", map[string]string{"phone": bob.phone}).wantStatus(t, http.StatusOK)
			return c, smsHost
		}},
	}
	for pname, provider := range sharedProviders() {
		for _, flow := range bobsFlows {
			t.Run(pname+"/"+flow.name, func(t *testing.T) {
				t.Parallel()
				p := provider(t)
				s := withAccounts
				s.sender = p.sender
				s.edit = func(cfg *config.Config, _ string) {
					cfg.OTP.MaxSends.Count = 100
					cfg.OTP.MaxSendsPerIP.Count = 100
					cfg.OTP.ResendCooldown = time.Second
				}
				h := newHarness(t, s)
				outsider := h.newClient(t)
				guesses := 0
				guess := func(n int, code string) {
					for ; n > 0; n-- {
						guesses++
						r := outsider.api(smsHost, "otp", map[string]string{"code": wrongCode(code, guesses)})
						if r.status == http.StatusOK {
							t.Fatalf("the outsider signed in with a wrong code: %s", r.body)
						}
					}
				}
				if flow.first {
					outsider.api(smsHost, "sms/start", map[string]string{"phone": bob.phone}).wantStatus(t, http.StatusOK)
					guess(3, p.code(bob.phone))
				}
				bobs, host := flow.start(t, h, p)
				code := p.code(bob.phone)
				if code == "" {
					t.Fatal("the provider texted bob no code")
				}
				texts := p.texts(bob.phone)
				if !flow.first {
					outsider.api(smsHost, "sms/start", map[string]string{"phone": bob.phone}).wantStatus(t, http.StatusOK)
					if got := p.texts(bob.phone); got != texts {
						t.Errorf("the outsider's code-only sign-in texted bob's number while bob's code was pending (%d texts, then %d)", texts, got)
					}
				}
				guess(5-guesses, code)

				r := bobs.api(host, "otp", map[string]string{"code": code})
				if r.status != http.StatusOK {
					t.Fatalf("after the outsider's %d wrong codes, bob's own code answered %d %s; want 200", guesses, r.status, r.body)
				}
			})
		}
	}
}

// TestPhoneChangeSpendsNoPendingSignupCode: a phone change on the
// account page texts its code to the new number, a number nobody has
// proved. While a sign-up's code for that number (free: no account has
// it) was pending, with Twilio Verify or Sinch the change's start had
// the sign-up's code texted again (or aborted it) and its checks
// spent it. Now the change is told 429 rate_limited until the
// sign-up's code ends, nothing texted, and the sign-up's code still
// activates its account (docs/contract.md, "SMS delivery").
func TestPhoneChangeSpendsNoPendingSignupCode(t *testing.T) {
	t.Parallel()
	const free = "+12015550166" // no account has it
	for pname, provider := range sharedProviders() {
		t.Run(pname, func(t *testing.T) {
			t.Parallel()
			p := provider(t)
			s := withAccounts
			s.sender = p.sender
			h := newHarness(t, s)
			alices := h.newClient(t)
			alices.login(crmHost, alice).wantStatus(t, http.StatusOK)
			alices.api(crmHost, "otp", map[string]string{"code": p.code(alice.phone)}).wantStatus(t, http.StatusOK)

			erin := h.newClient(t)
			erin.api(crmHost, "signup", map[string]string{"username": "erin", "email": "erin@example.com", "password": "a long unusual passphrase", "phone": free}).wantStatus(t, http.StatusCreated)
			code := p.code(free)
			texts := p.texts(free)

			r := alices.form(authHost, "/account/phone", url.Values{"phone": {free}})
			if got := p.texts(free); got != texts {
				t.Errorf("alice's phone change texted the number of erin's pending sign-up (%d texts, then %d)", texts, got)
			}
			if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
				t.Errorf("alice's phone change to the number of erin's pending sign-up answered %d (Retry-After %q); want 429 with Retry-After", r.status, r.header.Get("Retry-After"))
			}
			erin.api(crmHost, "otp", map[string]string{"code": code}).wantStatus(t, http.StatusOK)
		})
	}
}
