package sms_test

import (
	"context"
	"testing"
	"text/template"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/sms"
)

// TestVerifyProviderSendsNoNotice: Twilio Verify (as Sinch) sends only
// its own code messages. Before, a notice (the old number's "your phone
// was changed", a taken number's "someone tried…") went out through it as
// a verification: a bare code, never the warning, which also replaced a
// login's pending verification. None is sent now; a taken number's
// notice is a decoy there.
func TestVerifyProviderSendsNoNotice(t *testing.T) {
	f := newFakeTwilio(t)
	p, err := sms.NewTwilioVerify(twilioConfig(f))
	if err != nil {
		t.Fatal(err)
	}
	otp := auth.NewOTP(memstore.New(nil), p, []byte("0123456789abcdef0123456789abcdef"), auth.OTPConfig{
		App: "Acme", Length: 6, TTL: 5 * time.Minute, MaxAttempts: 5, ResendCooldown: 30 * time.Second,
		MaxSends: 50, SendWindow: time.Hour, Message: template.Must(template.New("m").Parse("{{.Code}}")),
	}, nil, nil)
	ctx := context.Background()
	if err := otp.Notify(ctx, alicePhone, "The phone number of your account was just changed."); err != nil {
		t.Fatal(err)
	}
	if _, err := otp.StartNotice(ctx, alicePhone, auth.PurposePhoneChange, "Someone tried to move an account to this number."); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Verifications()); n != 0 {
		t.Fatalf("notices started %d verifications (bare codes to the number), want none", n)
	}
}
