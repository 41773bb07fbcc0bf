package auth

// The provider's one verification per number (Twilio Verify answers a
// new one with the pending one and its code; Sinch aborts the pending
// one), and the one challenge whose checks and cancel reach it
// (docs/contract.md, "SMS delivery").

import (
	"context"
	"errors"
	"fmt"
)

// claim makes ch, about to start a verification at the provider, the
// challenge that holds ch.Phone's verification, unless another live
// challenge (not the one ch replaces) holds it already: a code asked
// after a proof (Proved, Known) takes it over (spent); any other is
// refused with a RateLimitError (until the holder's code expires), a
// send that was never made (its quota given back, or a hidden one
// answered as a decoy, standIn). So an outsider's code-only sign-in,
// reset or sign-up neither texts nor spends the code of the person who
// holds the number, and the held challenge does not notice (an
// outsider's is answered as before: a decoy's, checkHidden).
func (o *OTP) claim(ctx context.Context, ch *Challenge) error {
	key := o.holderKey(ch.Phone)
	won, err := o.store.SetNX(ctx, key, []byte(ch.ID), o.cfg.TTL)
	if err != nil {
		return &unsentError{fmt.Errorf("otp: claim the verification: %w", err)}
	}
	if won {
		return nil
	}
	held, err := o.holder(ctx, ch.Phone)
	if err != nil {
		return &unsentError{err}
	}
	if held != nil && held.ID != ch.replaces {
		if !ch.Proved && !ch.Known {
			wait := held.ExpiresAt().Sub(o.clock.Now())
			return &providerError{&unsentError{fmt.Errorf("otp: send: %w", &RateLimitError{RetryAfter: wait, Reason: "code_pending"})}}
		}
		if err := o.spent(ctx, held); err != nil {
			return &unsentError{err}
		}
	}
	if err := o.store.Set(ctx, key, []byte(ch.ID), o.cfg.TTL); err != nil {
		return &unsentError{fmt.Errorf("otp: claim the verification: %w", err)}
	}
	return nil
}

// spent cancels, for a takeover (claim), the verification of held when
// held has had codes tried, which may have spent the provider's checks,
// so that the start makes a fresh one; else the start shares it, and
// the code already texted stays good. A cancel that fails is logged,
// and the start shares the verification.
func (o *OTP) spent(ctx context.Context, held *Challenge) error {
	c, ok := o.checker.(VerificationCanceler)
	if !ok || held.Ref == "" {
		return nil // Sinch's next start aborts it
	}
	n, err := o.count(ctx, attemptsKey(held.ID))
	if err != nil || n == 0 {
		return err
	}
	_ = o.cancel(ctx, c, held)
	return nil
}

// holder returns the live challenge that holds phone's verification at
// the provider (claim), or nil.
func (o *OTP) holder(ctx context.Context, phone string) (*Challenge, error) {
	id, err := o.store.Get(ctx, o.holderKey(phone))
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("otp: read the verification's holder: %w", err)
	}
	held, err := o.load(ctx, string(id))
	switch {
	case errors.Is(err, ErrOTPExpired):
		return nil, nil // ended: used, given up, cancelled, replaced
	case err != nil:
		return nil, err
	case held.User == "":
		return nil, nil // its send failed after its answer (OTP.late)
	}
	return held, nil
}

// holds reports whether ch, a challenge with a verification at the
// provider, still holds it (claim): only then do its checks and its
// cancel reach the provider. A number whose holder is not recorded
// (its record expired with the code) is the challenge's own.
func (o *OTP) holds(ctx context.Context, ch *Challenge) (bool, error) {
	id, err := o.store.Get(ctx, o.holderKey(ch.Phone))
	switch {
	case errors.Is(err, ErrNotFound):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("otp: read the verification's holder: %w", err)
	}
	return string(id) == ch.ID, nil
}
