package sms_test

// Tests of TwilioVerify: the flow, Twilio's limits, failures, and
// concurrent checks that approve once.

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/sms"
	"github.com/gatehouse-auth/gatehouse/internal/fakesms"
)

func TestTwilioVerifyFlow(t *testing.T) {
	ctx := context.Background()
	f := newFakeTwilio(t)
	p, err := sms.NewTwilioVerify(twilioConfig(f))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := p.StartVerification(ctx, auth.Message{To: alicePhone})
	if err != nil {
		t.Fatalf("StartVerification: %v", err)
	}
	vs := f.Verifications()
	if len(vs) != 1 || vs[0].SID != ref || vs[0].Channel != "sms" || vs[0].To != alicePhone {
		t.Fatalf("ref %q, verifications %+v", ref, vs)
	}
	code := f.Code(alicePhone)
	if ok, err := p.CheckCode(ctx, ref, alicePhone, wrongCode(code)); ok || err != nil {
		t.Fatalf("wrong code: %v, %v", ok, err)
	}
	if ok, err := p.CheckCode(ctx, ref, alicePhone, code); !ok || err != nil {
		t.Fatalf("right code: %v, %v", ok, err)
	}
	// Approved: the verification is gone (Twilio answers 20404).
	_, err = p.CheckCode(ctx, ref, alicePhone, code)
	wantKind(t, err, auth.ErrOTPExpired)
}

func TestTwilioVerifyLimits(t *testing.T) {
	ctx := context.Background()
	t.Run("five wrong checks end the verification", func(t *testing.T) {
		f := newFakeTwilio(t)
		p, _ := sms.NewTwilioVerify(twilioConfig(f))
		ref, err := p.StartVerification(ctx, auth.Message{To: alicePhone})
		if err != nil {
			t.Fatal(err)
		}
		code := f.Code(alicePhone)
		for i := 0; i < 5; i++ {
			if ok, err := p.CheckCode(ctx, ref, alicePhone, wrongCode(code)); ok || err != nil {
				t.Fatalf("wrong code %d: %v, %v", i+1, ok, err)
			}
		}
		_, err = p.CheckCode(ctx, ref, alicePhone, code)
		wantKind(t, err, auth.ErrOTPExpired)
		// Canceling lets the next verification start afresh.
		if err := p.CancelVerification(ctx, ref); err != nil {
			t.Fatalf("CancelVerification: %v", err)
		}
		ref2, err := p.StartVerification(ctx, auth.Message{To: alicePhone})
		if err != nil || ref2 == ref {
			t.Fatalf("after cancel: ref %q (old %q), %v", ref2, ref, err)
		}
		if ok, err := p.CheckCode(ctx, ref2, alicePhone, f.Code(alicePhone)); !ok || err != nil {
			t.Fatalf("new verification: %v, %v", ok, err)
		}
		if err := p.CancelVerification(ctx, ref2); err != nil {
			t.Fatalf("canceling an approved verification: %v", err)
		}
	})
	t.Run("a sixth send to one number is rate limited", func(t *testing.T) {
		f := newFakeTwilio(t)
		p, _ := sms.NewTwilioVerify(twilioConfig(f))
		var first string
		for i := 0; i < 5; i++ {
			ref, err := p.StartVerification(ctx, auth.Message{To: alicePhone})
			if err != nil {
				t.Fatalf("send %d: %v", i+1, err)
			}
			if first == "" {
				first = ref
			} else if ref != first {
				t.Fatalf("resend within ten minutes made a new verification %q, want %q", ref, first)
			}
		}
		_, err := p.StartVerification(ctx, auth.Message{To: alicePhone})
		wantKind(t, err, auth.ErrRateLimited)
		var rl *auth.RateLimitError
		if !errors.As(err, &rl) || rl.RetryAfter != 10*time.Minute {
			t.Fatalf("err = %v, want a RateLimitError of 10m", err)
		}
	})
}

func TestTwilioVerifyFailures(t *testing.T) {
	ctx := context.Background()
	f := newFakeTwilio(t)
	tests := []struct {
		name string
		to   string
		edit func(*sms.TwilioConfig)
		fail *fakesms.Failure
		want error
		code int
	}{
		{name: "wrong credentials", to: alicePhone, edit: func(c *sms.TwilioConfig) { c.AuthToken = "0123456789abcdef0123456789abcdef" }, want: auth.ErrSMSFailed, code: 20003},
		{name: "unknown service", to: alicePhone, edit: func(c *sms.TwilioConfig) { c.VerifyServiceSID = "VA00000000000000000000000000000000" }, want: auth.ErrSMSFailed, code: 20404},
		{name: "invalid number", to: "+1555", want: auth.ErrInvalidPhone, code: 60200},
		{name: "landline", to: landline, want: auth.ErrInvalidPhone, code: 60205},
		{name: "blocked country", to: frPhone, want: auth.ErrInvalidPhone, code: 60605},
		{name: "503", to: alicePhone, fail: &fakesms.Failure{Status: 503, Code: 20503, Message: "Service Unavailable"}, want: auth.ErrSMSFailed, code: 20503},
		{name: "timeout", to: alicePhone, edit: func(c *sms.TwilioConfig) { c.Timeout = shortTimeout }, fail: &fakesms.Failure{Delay: 10 * time.Second}, want: auth.ErrSMSFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := twilioConfig(f)
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			p, err := sms.NewTwilioVerify(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if tt.fail != nil {
				f.FailNext(*tt.fail)
			}
			_, err = p.StartVerification(ctx, auth.Message{To: tt.to})
			wantKind(t, err, tt.want, cfg.AuthToken)
			var e *sms.Error
			if !errors.As(err, &e) || e.Code != tt.code {
				t.Fatalf("err = %#v, want code %d", err, tt.code)
			}
		})
	}
	t.Run("check fails when Twilio does", func(t *testing.T) {
		p, _ := sms.NewTwilioVerify(twilioConfig(f))
		ref, err := p.StartVerification(ctx, auth.Message{To: "+12015550102"})
		if err != nil {
			t.Fatal(err)
		}
		f.FailNext(fakesms.Failure{Status: 500, Code: 20500})
		_, err = p.CheckCode(ctx, ref, "+12015550102", "123456")
		wantKind(t, err, auth.ErrSMSFailed)
	})
}

func TestTwilioConcurrentChecksApproveOnce(t *testing.T) {
	ctx := context.Background()
	f := newFakeTwilio(t)
	p, _ := sms.NewTwilioVerify(twilioConfig(f))
	ref, err := p.StartVerification(ctx, auth.Message{To: alicePhone})
	if err != nil {
		t.Fatal(err)
	}
	code := f.Code(alicePhone)
	var wg sync.WaitGroup
	var mu sync.Mutex
	right := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, _ := p.CheckCode(ctx, ref, alicePhone, code); ok {
				mu.Lock()
				right++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if right != 1 {
		t.Fatalf("%d checks approved, want exactly 1", right)
	}
}
