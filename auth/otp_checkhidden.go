package auth

// Checks of hidden challenges' codes, whose asker may not learn that the
// number has an account, answered in a decoy's time whatever the
// provider that checks the codes does (docs/contract.md, "SMS
// delivery").

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"time"
)

// ErrChecksInFlight marks a hidden check not made because
// OTPConfig.MaxSendsInFlight such checks were at the provider already.
// It goes with ErrCheckFailed, never alone; the code is answered as a
// wrong one (docs/contract.md, "SMS delivery").
var ErrChecksInFlight = errors.New("too many checks in flight at the provider")

// minCheckWait is the least time the check of a hidden challenge's code
// takes to answer (hiddenCheckWait): a provider's check over the
// internet is nearly always answered by then, so a right code is
// rarely answered without its verdict, and a person who typed a code
// hardly notices the wait.
const minCheckWait = time.Second

// uncheckedError is the wrong-code answer (ErrOTPInvalid,
// ErrOTPLastAttempt or ErrOTPAttemptsUsed, all that errors.Is sees)
// given to a code of a hidden challenge that the provider did not judge
// by the answer's time (checkHidden); cause says why, for the trail,
// never for the asker.
type uncheckedError struct{ answer, cause error }

func (e *uncheckedError) Error() string {
	return fmt.Sprintf("%v (no verdict: %v)", e.answer, e.cause)
}

func (e *uncheckedError) Unwrap() error { return e.answer }

// hiddenCheckWait is how long the check of a hidden challenge's code
// takes to answer (checkHidden), a decoy's as a real one's: about twice
// the provider's usual check time (±25%; its usual send time before a
// check was timed), so that the provider has answered by then nearly
// always, at least minCheckWait, at most maxDecoyWait.
func (o *OTP) hiddenCheckWait() time.Duration {
	d := o.checkLatency.draw()
	if d == 0 {
		d = o.sendLatency.draw()
	}
	return min(max(2*d, minCheckWait), maxDecoyWait)
}

// checkHidden is check for a hidden challenge (Challenge.Hidden: a
// code-only sign-in, a reset or a sign-up asked by someone who proved
// nothing of the account, or a decoy standing for one) with a provider
// that checks the codes. A decoy and a real challenge alike answer
// hiddenCheckWait after the check began. A real one asks the provider
// (atDecoyTime): its verdict before then is the answer; its failure,
// its refusal, a verification it ended, or no verdict yet is answered
// as a wrong code, with an *uncheckedError (answer unset) saying why.
// A check still at the provider goes on, and a right verdict it brings
// later is kept on the challenge (approve), so that the same code typed
// again passes without asking the provider, whose verification it
// spent. Before, a real challenge answered 502 code_check_failed, 429
// or code_expired, or only after the provider, where a decoy answered
// 401 in its usual time.
func (o *OTP) checkHidden(ctx context.Context, ch *Challenge, code string) (bool, error) {
	due := time.Now().Add(o.hiddenCheckWait())
	h := o.hash(ch.ID, code)
	switch {
	case ch.Approved != nil:
		waitUntil(ctx, due)
		return hmac.Equal(h, ch.Approved), nil
	case ch.Ref == "":
		// A decoy, or a code still on its way (its reference not stored).
		waitUntil(ctx, due)
		return hmac.Equal(h, ch.CodeHash), nil
	}
	switch holds, err := o.holds(ctx, ch); {
	case err != nil:
		waitUntil(ctx, due)
		return false, err
	case !holds:
		// A newer code, asked after a proof, took the number's
		// verification over (claim): answered as a decoy's, which no
		// code passes, so that its asker learns nothing of it.
		waitUntil(ctx, due)
		return false, nil
	}
	var right bool
	landed, err := o.atDecoyTime(ctx, o.checking, due,
		func(ctx context.Context) error {
			if err := o.tried(ctx, ch); err != nil {
				return err
			}
			ok, err := o.checker.CheckCode(ctx, ch.Ref, ch.Phone, code)
			right = ok && err == nil // untimed: learnFrom
			if right {
				o.approvedAt(ctx, ch)
			}
			return err
		},
		func(ctx context.Context, err error) {
			if err == nil && right {
				o.approve(ctx, ch, h)
			}
		})
	var cause error
	switch {
	case errors.Is(err, errNoRoom):
		cause = fmt.Errorf("otp: check code: %w: %w", ErrChecksInFlight, ErrCheckFailed)
	case !landed:
		cause = fmt.Errorf("otp: check code: no verdict in a decoy's time: %w", ErrCheckFailed)
	case err != nil:
		cause = fmt.Errorf("otp: check code: %w: %w", ErrCheckFailed, err)
	default:
		waitUntil(ctx, due)
		return right, nil
	}
	o.log.WarnContext(ctx, "otp: a code was answered as wrong without the provider's verdict", "error", cause)
	waitUntil(ctx, due)
	return false, &uncheckedError{cause: cause}
}

// approve keeps on the stored challenge ch that the provider approved,
// after its check was answered, the code whose keyed hash is h
// (checkHidden); a challenge ended meanwhile stays ended.
func (o *OTP) approve(ctx context.Context, ch *Challenge, h []byte) {
	a := *ch
	a.Approved = h
	if _, err := o.replace(ctx, &a); err != nil {
		o.log.WarnContext(ctx, "otp: a code the provider approved late was not kept", "error", err)
	}
}
