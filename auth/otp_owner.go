package auth

// The provider's one verification per number (Twilio Verify answers a
// new one with the pending one and its code; Sinch aborts the pending
// one), and the one challenge whose checks and cancel reach it
// (docs/contract.md, "SMS delivery").

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// claim makes ch, about to start a verification at the provider, the
// challenge that holds ch.Phone's verification, unless another live
// challenge (not the one ch replaces) holds it already: a code asked
// after a proof (Proved, Known) takes it over; any other is
// refused with a RateLimitError (until the holder's code expires), a
// send that was never made (its quota given back, or a hidden one
// answered as a decoy, standIn). So an outsider's code-only sign-in,
// reset or sign-up neither texts nor spends the code of the person who
// holds the number, and the held challenge does not notice (an
// outsider's is answered as before: a decoy's, checkHidden). A claim
// that does not continue its own sign-in's code (a resend) cancels a
// verification codes were tried against first (spent).
func (o *OTP) claim(ctx context.Context, ch *Challenge) error {
	key := o.holderKey(ch.Phone)
	won, err := o.store.SetNX(ctx, key, []byte(ch.ID), o.cfg.TTL)
	if err != nil {
		return &unsentError{fmt.Errorf("otp: claim the verification: %w", err)}
	}
	if !won {
		held, err := o.holder(ctx, ch.Phone)
		if err != nil {
			return &unsentError{err}
		}
		// A resend of the holder's own code shares its verification: the
		// code already texted stays good.
		resend := held != nil && held.ID == ch.replaces
		if held != nil && !resend && !ch.Proved && !ch.Known {
			wait := held.ExpiresAt().Sub(o.clock.Now())
			return &providerError{&unsentError{fmt.Errorf("otp: send: %w", &RateLimitError{RetryAfter: wait, Reason: "code_pending"})}}
		}
		if err := o.store.Set(ctx, key, []byte(ch.ID), o.cfg.TTL); err != nil {
			return &unsentError{fmt.Errorf("otp: claim the verification: %w", err)}
		}
		if resend {
			return nil
		}
	}
	if err := o.spent(ctx, ch.Phone); err != nil {
		return &unsentError{err}
	}
	return nil
}

// triedVerificationTTL is how long a verification codes were tried
// against is remembered (tried): Twilio Verify's lifetime of one, longer
// than otp.ttl by default, so that a verification outlives the
// challenge that spent its checks.
const triedVerificationTTL = 10 * time.Minute

// tried records, before a check of ch's code reaches the provider, that
// codes were tried against the number's verification (ch.Ref), which
// may spend its checks (Twilio Verify's five); a provider that aborts a
// pending verification at the next start (Sinch) needs no record.
func (o *OTP) tried(ctx context.Context, ch *Challenge) error {
	if _, ok := o.checker.(VerificationCanceler); !ok {
		return nil
	}
	if err := o.store.Set(ctx, o.triedKey(ch.Phone), []byte(ch.Ref), max(o.cfg.TTL, triedVerificationTTL)); err != nil {
		return fmt.Errorf("otp: check code: %w", err)
	}
	return nil
}

// approvedAt drops tried's record once the provider approved a code of
// ch.Ref: the verification is over, and nothing is left to cancel.
func (o *OTP) approvedAt(ctx context.Context, ch *Challenge) {
	if sw, ok := o.store.(Swapper); ok {
		_, _ = sw.CompareAndDelete(ctx, o.triedKey(ch.Phone), []byte(ch.Ref))
	}
}

// spent cancels, for a start that does not continue its own sign-in's
// code (claim: a number's first code, a takeover, one after the holder
// ended), the number's verification when codes were tried against it
// (tried), by whichever sign-in, one signed out or expired since
// included: its checks may be spent, and the start makes a fresh one.
// Else the start shares it, and a code already texted stays good. A
// cancel that fails is logged, and the start shares the verification
// (docs/contract.md, "SMS delivery").
func (o *OTP) spent(ctx context.Context, phone string) error {
	c, ok := o.checker.(VerificationCanceler)
	if !ok {
		return nil // Sinch's next start aborts it
	}
	key := o.triedKey(phone)
	ref, err := o.store.Get(ctx, key)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("otp: read the verification's checks: %w", err)
	}
	if o.cancel(ctx, c, &Challenge{Phone: phone, Ref: string(ref)}) == nil {
		_, _ = o.store.Delete(ctx, key)
	}
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
