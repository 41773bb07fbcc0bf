package auth

// Checking a code, and ending a challenge.

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"time"
)

// check compares code with the challenge's: locally, or by asking the
// provider that made it. Decoys take about as long as a provider check.
// Where the provider makes the codes, a code it cannot have made is
// wrong at once, for a real challenge and a decoy alike: a decoy that
// waited for it while a real challenge did not would tell them apart
// (docs/contract.md, "SMS delivery"). A hidden challenge's check is
// answered in a decoy's time whatever the provider does (checkHidden).
func (o *OTP) check(ctx context.Context, ch *Challenge, code string) (bool, error) {
	if o.checker != nil && !plausibleCode(code) {
		return false, nil // not worth a provider call
	}
	if ch.Hidden && o.checker != nil {
		return o.checkHidden(ctx, ch, code)
	}
	if ch.Approved != nil {
		// A code the provider approved already (VerifyThen): its
		// verification is spent, and only that code passes.
		o.checkLatency.wait(ctx)
		return hmac.Equal(o.hash(ch.ID, code), ch.Approved), nil
	}
	if ch.Ref == "" || o.checker == nil {
		if o.checker != nil {
			o.checkLatency.wait(ctx)
		}
		return hmac.Equal(o.hash(ch.ID, code), ch.CodeHash), nil
	}
	switch holds, err := o.holds(ctx, ch); {
	case err != nil:
		return false, err
	case !holds:
		// A newer code, asked after a proof, took the number's
		// verification over (claim): this one can no longer pass.
		return false, fmt.Errorf("otp: check code: the verification was taken over: %w", ErrOTPExpired)
	}
	if err := o.tried(ctx, ch); err != nil {
		return false, err
	}
	start := time.Now()
	right, err := o.checker.CheckCode(ctx, ch.Ref, ch.Phone, code)
	if errors.Is(err, ErrSMSFailed) {
		// The provider could not answer: nothing was sent, so not "the
		// code could not be sent".
		return false, fmt.Errorf("otp: check code: %w: %w", ErrCheckFailed, err)
	}
	if err != nil {
		return false, fmt.Errorf("otp: check code: %w", err)
	}
	learnFrom(ch, &o.checkLatency, start)
	if right {
		o.approvedAt(ctx, ch)
	}
	return right, nil
}

// plausibleCode reports whether code could be a provider's code: 4 to 10
// digits (providers choose their own length).
func plausibleCode(code string) bool {
	if len(code) < 4 || len(code) > 10 {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// Cancel deletes a challenge (logout, abandoned login).
func (o *OTP) Cancel(ctx context.Context, id string) {
	o.kill(ctx, id)
}

func (o *OTP) kill(ctx context.Context, id string) {
	if _, err := o.store.Delete(ctx, challengeKey(id)); err != nil {
		o.log.WarnContext(ctx, "otp: could not delete challenge", "error", err)
	}
}

// killAndCancel deletes a challenge that can no longer succeed and, for a
// provider-made code, cancels the provider's verification so that the
// next code is a fresh one rather than refused for spent attempts.
//
// A decoy (no verification at the provider) takes about as long as a
// cancel, so that its last wrong code is answered in a real challenge's
// time; a hidden challenge's cancel is answered then too, whatever the
// provider's time, and goes on after the answer (atDecoyTime): before,
// while the provider hung, an account's last wrong code waited for it,
// up to sms.timeout (docs/contract.md, "SMS delivery").
func (o *OTP) killAndCancel(ctx context.Context, ch *Challenge) {
	o.kill(ctx, ch.ID)
	c, ok := o.checker.(VerificationCanceler)
	switch {
	case !ok:
		return
	case ch.Hidden:
		due := time.Now().Add(o.cancelLatency.draw())
		if ch.Ref != "" && ch.Approved == nil && o.stillHolds(ctx, ch) {
			cancel := func(ctx context.Context) error { return o.cancel(ctx, c, ch) }
			if _, err := o.atDecoyTime(ctx, o.checking, due, cancel, func(context.Context, error) {}); errors.Is(err, errNoRoom) {
				o.log.WarnContext(ctx, "otp: the provider's verification was left to expire", "error", err)
			}
		}
		waitUntil(ctx, due)
		return
	case ch.Ref == "":
		o.cancelLatency.wait(ctx)
		return
	case !o.stillHolds(ctx, ch):
		return
	}
	_ = o.cancel(ctx, c, ch)
}

// stillHolds is holds for a cancel: a challenge that no longer holds
// the number's verification, or whose hold cannot be read, leaves the
// verification alone (it expires with its code), since it may be
// another sign-in's (claim).
func (o *OTP) stillHolds(ctx context.Context, ch *Challenge) bool {
	holds, err := o.holds(ctx, ch)
	if err != nil {
		o.log.WarnContext(ctx, "otp: the provider's verification was left to expire", "error", err)
	}
	return holds && err == nil
}

// cancel ends the provider's verification of ch (killAndCancel), timing
// it (learnFrom); its failure is logged and returned.
func (o *OTP) cancel(ctx context.Context, c VerificationCanceler, ch *Challenge) error {
	start := time.Now()
	if err := c.CancelVerification(ctx, ch.Ref); err != nil {
		o.log.WarnContext(ctx, "otp: could not cancel the provider's verification", "error", err)
		return err
	}
	learnFrom(ch, &o.cancelLatency, start)
	return nil
}
