package auth_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// rateLimitedSender is a provider that answers every send with its own
// "too many requests, come back in a minute" and counts the calls.
type rateLimitedSender struct{ calls atomic.Int64 }

func (s *rateLimitedSender) Send(context.Context, auth.Message) error {
	s.calls.Add(1)
	return &auth.RateLimitError{RetryAfter: time.Minute, Reason: "provider_rate_limited"}
}

// TestOTPWaitsAsTheProviderAsked: after the provider's 429, no send calls
// it again until its Retry-After has passed (eight logins in a row made
// eight refused calls before); the answer keeps the provider's wait.
func TestOTPWaitsAsTheProviderAsked(t *testing.T) {
	ctx := context.Background()
	f := newOTP(t, nil)
	sender := &rateLimitedSender{}
	o := auth.NewOTP(f.store, sender, []byte("0123456789abcdef0123456789abcdef"), f.otp.Config(), f.clock, nil)
	for i, phone := range []string{"+12015550100", "+12015550101", "+12015550102"} {
		_, err := o.Start(ctx, "user", phone, "login")
		var rl *auth.RateLimitError
		if !errors.As(err, &rl) || rl.RetryAfter <= 0 || rl.RetryAfter > time.Minute {
			t.Fatalf("send %d: %v, want the provider's rate limit", i, err)
		}
	}
	if n := sender.calls.Load(); n != 1 {
		t.Fatalf("the provider was called %d times within its Retry-After, want 1", n)
	}
	f.clock.Advance(time.Minute + time.Second)
	_, _ = o.Start(ctx, "user", "+12015550103", "login")
	if n := sender.calls.Load(); n != 2 {
		t.Fatalf("after the wait the provider was called %d times in all, want 2", n)
	}
}
