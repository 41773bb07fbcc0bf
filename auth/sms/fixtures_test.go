package sms_test

// Fixtures the provider tests share: phone numbers, the short timeout,
// the fake Twilio and its configuration, wantKind and wrongCode.

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth/sms"
	"github.com/gatehouse-auth/gatehouse/internal/fakesms"
)

const (
	alicePhone = "+12015550100"
	frPhone    = "+33612345678"
	landline   = "+12015550111"
)

// shortTimeout is the provider timeout of the timeout cases; the fakes
// hang for far longer.
const shortTimeout = 300 * time.Millisecond

func twilioConfig(f *fakesms.Twilio) sms.TwilioConfig {
	return sms.TwilioConfig{
		AccountSID: f.AccountSID, AuthToken: f.AuthToken,
		From: "+12015550199", VerifyServiceSID: f.VerifyServiceSID,
		BaseURL: f.URL, Timeout: 5 * time.Second,
	}
}

func newFakeTwilio(t *testing.T) *fakesms.Twilio {
	return fakesms.NewTwilio(t, fakesms.TwilioOptions{
		From:             []string{"+12015550199"},
		Landlines:        []string{landline},
		BlockedCountries: []string{"FR"},
	})
}

// wantKind asserts that err matches sentinel and, for failures, that its
// text gives away neither the number nor the credentials.
func wantKind(t *testing.T, err, sentinel error, secrets ...string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("err = %v, want one matching %v", err, sentinel)
	}
	for _, s := range append(secrets, alicePhone, frPhone, landline) {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Fatalf("error text %q shows %q", err, s)
		}
	}
}

// wrongCode returns a code of the same length that is not code.
func wrongCode(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}
