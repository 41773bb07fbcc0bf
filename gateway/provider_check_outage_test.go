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

// teachProviderTime signs alice in with her password and code, so that
// the gateway times a send and a check at p (decoys learn the
// provider's time from such codes after a proof).
func teachProviderTime(t *testing.T, h *harness, p outageProvider) {
	t.Helper()
	c := h.newClient(t)
	c.login(crmHost, alice).wantStatus(t, http.StatusOK)
	c.api(crmHost, "otp", map[string]string{"code": p.code(alice.phone)}).wantStatus(t, http.StatusOK)
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
	const timeout = 4 * time.Second // the provider's client's sms.timeout
	const slow = 2500 * time.Millisecond
	// A decoy answers a check in about twice a check's usual time (a
	// few ms with the fakes, taught by alice's sign-in), at least 1 s:
	// an answer within bound is a decoy's time, one after it waited for
	// the provider.
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
				teachProviderTime(t, h, p)
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
				if ra, ua := rr.header.Get("Retry-After"), rd.header.Get("Retry-After"); ra != ua {
					t.Errorf("the provider %s: bob's number answers Retry-After %q, a number without an account %q", fname, ra, ua)
				}
				if rt > bound || dt > bound {
					t.Errorf("the provider %s: bob's number answered in %v, a number without an account in %v, want both within %v", fname, rt, dt, bound)
				}
				if rr.status == http.StatusOK {
					t.Fatalf("the provider %s: bob signed in without a verdict", fname)
				}
				rr.wantError(t, http.StatusUnauthorized, "invalid_code")
				if strings.Contains(string(rr.body), "not right") {
					t.Errorf("the provider %s: bob's right code is said to be wrong: %s", fname, rr.body)
				}
				if !strings.Contains(string(trail(t, h, "otp_failed").body), `"user":"bob"`) {
					t.Errorf("the provider %s: bob's unchecked code is not on the trail (otp_failed)", fname)
				}

				// With the provider back (and a slow check's late
				// verdict in), bob's same code signs in.
				p.failAll(nil)
				if failure.Delay == slow {
					time.Sleep(slow)
				}
				if r := real.api(smsHost, "otp", map[string]string{"code": code}); r.status != http.StatusOK || r.jsonMap(t)["status"] != "authenticated" {
					t.Fatalf("the provider %s and back: bob's right code typed again: %d %s", fname, r.status, r.body)
				}
			})
		}
	}
}

// TestProviderOutageAtTheResetAndSignupCheck: a password reset asked by
// name and a sign-up check their codes as a code-only sign-in does: a
// reset for a name no account has, and a sign-up with a number another
// account has, get decoys, which call no provider. While Twilio Verify
// or Sinch was down or slow, a reset of bob's answered 502
// code_check_failed (or only after the provider) where one of a name
// without an account answered 401, and a sign-up with a free number
// likewise where one with a taken number answered 401: which names
// have accounts and which numbers are taken. Both now answer as the
// decoy would, and the right code typed again works once the provider
// is back (docs/contract.md, "SMS delivery").
func TestProviderOutageAtTheResetAndSignupCheck(t *testing.T) {
	t.Parallel()
	const free = "+12015550177" // no account has it
	const slow = 2500 * time.Millisecond
	const password = "a brand new passphrase"
	failures := map[string]fakesms.Failure{
		"down": {Status: http.StatusServiceUnavailable, Code: 20503, Message: "service unavailable"},
		"slow": {Delay: slow},
	}
	steps := []struct {
		name             string
		start            func(c *client, who string) reply
		check            func(c *client, who, code string) reply
		account, unknown string // a real challenge's asker, a decoy's
		sentTo           string // the number the real code goes to
		// passed says the code passed: bob's reset then asks for his
		// recovery code (users.reset.require), a sign-up is done.
		passed func(r reply) bool
	}{
		{"reset by name", func(c *client, who string) reply {
			return c.api(appHost, "reset", map[string]string{"username": who})
		}, func(c *client, who, code string) reply {
			return c.api(appHost, "reset", map[string]string{"username": who, "code": code, "password": password})
		}, "bob", "bxb", bob.phone, func(r reply) bool {
			return r.status == http.StatusOK || strings.Contains(string(r.body), `"recovery_code"`)
		}},
		{"sign-up, the number free or taken", func(c *client, who string) reply {
			n := strings.TrimPrefix(who, "+")
			return c.api(appHost, "signup", map[string]string{"username": "u" + n, "email": "u" + n + "@example.net", "password": password, "phone": who})
		}, func(c *client, _, code string) reply {
			return c.api(appHost, "otp", map[string]string{"code": code})
		}, free, bob.phone, free, func(r reply) bool { return r.status == http.StatusOK }},
	}
	for name, start := range outageProviders(4 * time.Second) {
		for fname, failure := range failures {
			for _, st := range steps {
				t.Run(name+"/"+fname+"/"+st.name, func(t *testing.T) {
					t.Parallel()
					p := start(t)
					s := withAccounts
					s.sender = p.sender
					h := newHarness(t, s)
					teachProviderTime(t, h, p)
					real, decoy := h.newClient(t), h.newClient(t)
					if ra, ru := st.start(real, st.account), st.start(decoy, st.unknown); ra.status >= 300 || answerShape(t, ra) != answerShape(t, ru) {
						t.Fatalf("step one: %d %s and %d %s", ra.status, ra.body, ru.status, ru.body)
					}
					code := p.code(st.sentTo)
					if code == "" {
						t.Fatalf("the provider sent %s no code", st.sentTo)
					}
					p.failAll(&failure)
					began := time.Now()
					rr := st.check(real, st.account, code)
					rt := time.Since(began)
					began = time.Now()
					rd := st.check(decoy, st.unknown, code)
					dt := time.Since(began)
					if acc, unk := answerShape(t, rr), answerShape(t, rd); acc != unk {
						t.Errorf("the provider %s: %s answers\n\t%s %.200s\nand %s\n\t%s", fname, st.account, acc, rr.body, st.unknown, unk)
					}
					if rt > slow/2 || dt > slow/2 {
						t.Errorf("the provider %s: %s answered in %v, %s in %v", fname, st.account, rt, st.unknown, dt)
					}
					p.failAll(nil)
					if failure.Delay == slow {
						time.Sleep(slow) // the late verdict comes in
					}
					if r := st.check(real, st.account, code); !st.passed(r) {
						t.Fatalf("the provider %s and back: the right code typed again: %d %s", fname, r.status, r.body)
					}
				})
			}
		}
	}
}
