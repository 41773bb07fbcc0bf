package sms_test

// Tests of what both Twilio providers share: the configuration they
// refuse, API keys, and 2xx answers twilio-go cannot decode.

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/sms"
)

func TestNewTwilioRefusesBadConfig(t *testing.T) {
	good := sms.TwilioConfig{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef", From: "+12015550199", VerifyServiceSID: "VA0123456789abcdef0123456789abcdef"}
	tests := []struct {
		name string
		edit func(*sms.TwilioConfig)
	}{
		{"no token", func(c *sms.TwilioConfig) { c.AuthToken = "" }},
		{"token with symbols", func(c *sms.TwilioConfig) { c.AuthToken = "abc-def" }},
		{"base url without scheme", func(c *sms.TwilioConfig) { c.BaseURL = "api.twilio.com" }},
		{"no sender", func(c *sms.TwilioConfig) { c.From = ""; c.VerifyServiceSID = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.edit(&c)
			_, err1 := sms.NewTwilioMessaging(c)
			_, err2 := sms.NewTwilioVerify(c)
			if err1 == nil && err2 == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestTwilioToleratesOddSuccessBodies checks that a 2xx answer twilio-go
// cannot decode (a number where it wants a string, a date in another
// format) still counts as done: the SMS went out, and reporting a failure
// would make the person ask for a second one.
func TestTwilioToleratesOddSuccessBodies(t *testing.T) {
	ctx := context.Background()
	odd := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/Messages.json"):
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"sid":"SM1","status":"queued","num_segments":1}`))
		case strings.HasSuffix(r.URL.Path, "/Verifications"):
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"sid":"VE1","status":"pending","date_created":"Thu, 30 Jul 2015 20:00:00 +0000"}`))
		case strings.HasSuffix(r.URL.Path, "/VerificationCheck"):
			r.ParseForm()
			status := "pending"
			if r.PostForm.Get("Code") == "123456" {
				status = "approved"
			}
			w.Write([]byte(`{"sid":"VE1","status":"` + status + `","valid":` + strconv.FormatBool(status == "approved") + `,"date_created":"yesterday"}`))
		}
	}))
	cfg := sms.TwilioConfig{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef",
		From: "+12015550199", VerifyServiceSID: "VA0123456789abcdef0123456789abcdef", BaseURL: odd}
	m, _ := sms.NewTwilioMessaging(cfg)
	if err := m.Send(ctx, auth.Message{To: alicePhone, Body: "x"}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	v, _ := sms.NewTwilioVerify(cfg)
	ref, err := v.StartVerification(ctx, auth.Message{To: alicePhone})
	if err != nil || ref != "VE1" {
		t.Fatalf("StartVerification: %q, %v", ref, err)
	}
	if ok, err := v.CheckCode(ctx, ref, alicePhone, "654321"); ok || err != nil {
		t.Fatalf("wrong code: %v, %v", ok, err)
	}
	if ok, err := v.CheckCode(ctx, ref, alicePhone, "123456"); !ok || err != nil {
		t.Fatalf("right code: %v, %v", ok, err)
	}
}

// TestTwilioAPIKey sends and verifies with an API key instead of the auth
// token: the key's SID and secret authenticate, the account SID still
// names the account in the paths.
func TestTwilioAPIKey(t *testing.T) {
	ctx := context.Background()
	f := newFakeTwilio(t)
	withKey := func(secret string) sms.TwilioConfig {
		cfg := twilioConfig(f)
		cfg.AuthToken, cfg.APIKeySID, cfg.APIKeySecret = "", f.APIKeySID, secret
		return cfg
	}
	m, err := sms.NewTwilioMessaging(withKey(f.APIKeySecret))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(ctx, auth.Message{To: alicePhone, Code: "123456", Body: "code 123456"}); err != nil {
		t.Fatalf("Send with an API key: %v", err)
	}
	if n := len(f.Messages()); n != 1 {
		t.Fatalf("%d messages at the fake, want 1", n)
	}
	v, err := sms.NewTwilioVerify(withKey(f.APIKeySecret))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := v.StartVerification(ctx, auth.Message{To: alicePhone})
	if err != nil {
		t.Fatalf("StartVerification with an API key: %v", err)
	}
	if ok, err := v.CheckCode(ctx, ref, alicePhone, f.Code(alicePhone)); !ok || err != nil {
		t.Fatalf("CheckCode with an API key: %v, %v", ok, err)
	}

	wrong, err := sms.NewTwilioMessaging(withKey("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	err = wrong.Send(ctx, auth.Message{To: alicePhone, Code: "123456", Body: "code 123456"})
	wantKind(t, err, auth.ErrSMSFailed, f.APIKeySecret)

	both := withKey(f.APIKeySecret)
	both.AuthToken = f.AuthToken
	if _, err := sms.NewTwilioMessaging(both); err == nil {
		t.Error("an auth token and an API key together were accepted")
	}
}
