package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/sms"
	"github.com/gatehouse-auth/gatehouse/internal/fakesms"
)

// sendingProvider is a provider that texts, served by its in-repo fake:
// the real client, every request's failure, and how many texts the fake
// sent to a number.
type sendingProvider struct {
	sender  auth.Sender
	failAll func(*fakesms.Failure)
	sentTo  func(number string) int
}

func sendingProviders(t *testing.T) map[string]func(t *testing.T) sendingProvider {
	const timeout = 2 * time.Second
	return map[string]func(t *testing.T) sendingProvider{
		"twilio_messaging": func(t *testing.T) sendingProvider {
			f := fakesms.NewTwilio(t, fakesms.TwilioOptions{From: []string{"+12015550199"}})
			p, err := sms.NewTwilioMessaging(sms.TwilioConfig{AccountSID: f.AccountSID, AuthToken: f.AuthToken, From: "+12015550199", BaseURL: f.URL, Timeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			return sendingProvider{p, f.FailAll, func(n string) (c int) {
				for _, m := range f.Messages() {
					if m.To == n {
						c++
					}
				}
				return c
			}}
		},
		"sinch": func(t *testing.T) sendingProvider {
			f := fakesms.NewSinch(t, fakesms.SinchOptions{CodeLength: 6})
			p, err := sms.NewSinch(sms.SinchConfig{KeyID: f.KeyID, KeySecret: f.KeySecret, BaseURL: f.URL, Timeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			return sendingProvider{p, f.FailAll, func(n string) (c int) {
				for _, v := range f.Verifications() {
					if v.Number == n {
						c++
					}
				}
				return c
			}}
		},
		"webhook": func(t *testing.T) sendingProvider {
			f := fakesms.NewWebhook(t, nil)
			p, err := sms.NewWebhook(sms.WebhookConfig{URL: f.URL, Secret: f.Secret, Timeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			return sendingProvider{p, f.FailAll, func(n string) (c int) {
				for _, d := range f.Deliveries() {
					if d.Payload.To == n {
						c++
					}
				}
				return c
			}}
		},
	}
}

// TestLostAnswerCountsAgainstTheQuotas: the provider takes each send and
// its answer is lost on the way back (the connection drops, or the 2xx
// answer is cut short). Such a send may well have gone out, so it keeps
// its place in the quotas (docs/sms.md, "What the quotas count"): an
// anonymous client asking codes for one number gets it texted at most
// otp.max_sends times. Before, the send counted as one the provider
// surely did not take and gave its quotas back, so every request texted
// the number again, past every cap.
func TestLostAnswerCountsAgainstTheQuotas(t *testing.T) {
	t.Parallel()
	for name, start := range sendingProviders(t) {
		for fname, failure := range map[string]fakesms.Failure{
			"dropped after the job": {After: true, Drop: true},
			"answer cut short":      {After: true},
		} {
			t.Run(name+"/"+fname, func(t *testing.T) {
				t.Parallel()
				p := start(t)
				h := newHarness(t, setup{sender: p.sender})
				p.failAll(&failure)
				c := h.newClient(t)
				for range h.cfg.OTP.MaxSends.Count + 3 {
					r := c.api(smsHost, "sms/start", map[string]string{"phone": alice.phone})
					if r.status != http.StatusOK && r.status != http.StatusBadGateway && r.status != http.StatusTooManyRequests {
						t.Fatalf("sms/start: %d %s", r.status, r.body)
					}
				}
				if n, limit := p.sentTo(alice.phone), h.cfg.OTP.MaxSends.Count; n > limit {
					t.Fatalf("alice's number was texted %d times; otp.max_sends is %d", n, limit)
				}
			})
		}
	}
}
