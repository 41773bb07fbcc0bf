package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// slowChecker is a provider that makes and checks its own codes and
// takes d to answer a check or a cancel, like Twilio Verify or Sinch
// over the network.
type slowChecker struct {
	*fakeChecker
	d time.Duration
}

func (s *slowChecker) CheckCode(ctx context.Context, ref, to, code string) (bool, error) {
	time.Sleep(s.d)
	return s.fakeChecker.CheckCode(ctx, ref, to, code)
}

func (s *slowChecker) CancelVerification(ctx context.Context, ref string) error {
	time.Sleep(s.d)
	return s.fakeChecker.CancelVerification(ctx, ref)
}

// TestOTPDecoyAnswersEveryCodeInARealChallengesTime: with a provider
// that checks the codes (twilio_verify, sinch), a decoy (a code-only
// sign-in or reset for a number or name without an account, a sign-up
// with a taken number) answers every code in the time a real challenge
// does. Before, a code no provider could have made (3 or 11 digits) was
// refused by a real challenge at once, without asking the provider, and
// by a decoy only after the provider's usual check time; and the last
// wrong code of a real challenge waited for the provider to cancel its
// verification, a decoy's for nothing: either told which numbers have
// accounts.
func TestOTPDecoyAnswersEveryCodeInARealChallengesTime(t *testing.T) {
	ctx := context.Background()
	const call = 250 * time.Millisecond // the provider's time for a check or a cancel
	const attempts = 4
	f := newOTP(t, func(c *auth.OTPConfig) { c.MaxAttempts, c.MaxSends = attempts, 100 })
	provider := &slowChecker{fakeChecker: newFakeChecker(), d: call}
	o := auth.NewOTP(f.store, provider, []byte("0123456789abcdef0123456789abcdef"), f.otp.Config(), f.clock, nil)
	// One code used up at the provider, so the gateway knows how long a
	// check and a cancel take.
	used, err := o.Start(ctx, "alice", "+12015550100", "login")
	if err != nil {
		t.Fatal(err)
	}
	for range attempts {
		if _, err := o.Verify(ctx, used.ID, "000001"); err == nil {
			t.Fatal("a wrong code was accepted")
		}
	}
	// The real challenge a decoy stands for: a code-only sign-in's.
	real, err := auth.StartHidden(o, ctx, "alice", "+12015550100", "login")
	if err != nil {
		t.Fatal(err)
	}
	decoy, err := o.StartDecoy(ctx, "+12015550199", "login")
	if err != nil {
		t.Fatal(err)
	}
	// What a client can time: how many of the provider's calls the answer
	// waited for, none, one or two (a check's time is twice a call's,
	// within a quarter, for both).
	calls := func(d time.Duration) int {
		switch {
		case d < call/2:
			return 0
		case d < call*3/2:
			return 1
		}
		return 2
	}
	for _, tt := range []struct{ name, code string }{
		{"a code the provider may have made", "000002"},
		{"too short for any provider", "123"},
		{"too long for any provider", "12345678901"},
		{"the last attempt", "000003"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			timed := func(id string) (time.Duration, string) {
				start := time.Now()
				_, err := o.Verify(ctx, id, tt.code)
				return time.Since(start), answer(err)
			}
			rd, ra := timed(real.ID)
			dd, da := timed(decoy.ID)
			if ra != da {
				t.Fatalf("the decoy answered %q, the real challenge %q", da, ra)
			}
			if calls(dd) != calls(rd) {
				t.Fatalf("the decoy answered in %s, the real challenge in %s: one code tells them apart", dd, rd)
			}
		})
	}
}
