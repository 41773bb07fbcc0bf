package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestAbandonedCodesSpendNoOnesVerification: with Twilio Verify a
// number has one verification, checked by the number, whose five checks
// outlive the sign-in that spent them (it lives ten minutes at Twilio,
// whatever otp.ttl says). An outsider's code-only sign-in for bob's
// number typed wrong codes, asked the same code again (a resend shares
// the verification) and typed one more, spending all five, and then
// let its sign-in go: signed out, or left past otp.ttl. bob's next code,
// after his password, got the same verification back, and his right
// code was refused (410 code_expired). Now a code's start that does not
// continue its own sign-in cancels a verification codes were tried
// against, whoever tried them, so that bob gets a fresh one
// (docs/contract.md, "SMS delivery").
func TestAbandonedCodesSpendNoOnesVerification(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		abandon func(t *testing.T, h *harness, outsider *client)
	}{
		{"signed out", func(t *testing.T, _ *harness, outsider *client) {
			outsider.api(smsHost, "logout", nil).wantStatus(t, http.StatusOK)
		}},
		{"left past otp.ttl", func(_ *testing.T, h *harness, _ *client) {
			h.clock.Advance(h.cfg.OTP.TTL + time.Second)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := sharedProviders()["twilio_verify"](t)
			s := withAccounts
			s.sender = p.sender
			s.edit = func(cfg *config.Config, _ string) {
				cfg.OTP.MaxSends.Count = 100
				cfg.OTP.MaxSendsPerIP.Count = 100
				cfg.OTP.ResendCooldown = time.Second
				cfg.Regulation.MaxFailures = 10 // bob's ban is another matter
			}
			h := newHarness(t, s)
			outsider := h.newClient(t)
			outsider.api(smsHost, "sms/start", map[string]string{"phone": bob.phone}).wantStatus(t, http.StatusOK)
			code := p.code(bob.phone)
			for i := 1; i <= 4; i++ {
				outsider.api(smsHost, "otp", map[string]string{"code": wrongCode(code, i)})
			}
			h.clock.Advance(2 * time.Second)
			outsider.api(smsHost, "otp/resend", nil).wantStatus(t, http.StatusOK)
			outsider.api(smsHost, "otp", map[string]string{"code": wrongCode(code, 5)})
			tc.abandon(t, h, outsider)

			bobs := h.newClient(t)
			bobs.login(crmHost, bob).wantStatus(t, http.StatusOK)
			r := bobs.api(crmHost, "otp", map[string]string{"code": p.code(bob.phone)})
			if r.status != http.StatusOK {
				t.Fatalf("bob's own code, after an outsider spent the number's verification and let it go: %d %s; want 200", r.status, r.body)
			}
		})
	}
}
