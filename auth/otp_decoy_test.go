package auth_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// answer is what a client can tell from Verify's result.
func answer(err error) string {
	var rl *auth.RateLimitError
	switch {
	case err == nil:
		return "signed in"
	case errors.As(err, &rl):
		return fmt.Sprintf("rate limited (%s, banned %v), retry after %s", rl.Reason, rl.Banned, rl.RetryAfter)
	case errors.Is(err, auth.ErrOTPInvalid):
		return "invalid code"
	case errors.Is(err, auth.ErrOTPExpired):
		return "code expired"
	default:
		return "error: " + err.Error()
	}
}

// A decoy (passwordless login for an unknown number) must answer wrong
// codes exactly as a real challenge does: through max_attempts on one
// challenge, and through the account's cap of wrong codes across new
// challenges, which for a decoy is its number's.
func TestOTPDecoyAnswersWrongCodesLikeARealChallenge(t *testing.T) {
	ctx := context.Background()
	const attempts, accountCap = 5, 7
	f := newOTP(t, func(c *auth.OTPConfig) {
		c.MaxAttempts, c.MaxAccountFailures, c.MaxSends, c.ResendCooldown = attempts, accountCap, 100, 0
	})
	step, capped := 0, false
	// Three challenges each, every one tried past max_attempts: the
	// account cap falls in the second.
	for round := 1; round <= 3; round++ {
		real, err := f.otp.Start(ctx, "alice", "+12015550100", "login")
		if err != nil {
			t.Fatal(err)
		}
		bad := wrong(sentCode(t, f.sender))
		decoy, err := f.otp.StartDecoy(ctx, "+12015550199", "login")
		if err != nil {
			t.Fatal(err)
		}
		for try := 1; try <= attempts+1; try++ {
			step++
			_, rerr := f.otp.Verify(ctx, real.ID, bad)
			_, derr := f.otp.Verify(ctx, decoy.ID, bad)
			if got, want := answer(derr), answer(rerr); got != want {
				t.Fatalf("challenge %d, wrong code %d (%d in all): decoy %q, real challenge %q", round, try, step, got, want)
			}
			capped = capped || errors.Is(rerr, auth.ErrRateLimited)
		}
	}
	if !capped {
		t.Fatal("the account cap was never reached")
	}
	if f.sender.count() != 3 {
		t.Fatalf("%d SMS sent, want 3 (none for the decoy)", f.sender.count())
	}
}
