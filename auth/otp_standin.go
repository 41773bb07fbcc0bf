package auth

// Sends whose asker may not learn that the number has an account (a
// notice in place of a code, a hidden code), and the decoys that stand
// in when such a send fails at the provider (docs/contract.md, "SMS
// delivery").

import (
	"context"
	"errors"
)

// startHidden is Start for a code whose asker may not learn that the
// number has an account (Challenge.Hidden): a code-only sign-in, a
// password reset or a sign-up asked by someone who proved nothing of it.
func (o *OTP) startHidden(ctx context.Context, user, phone, purpose string) (*Challenge, error) {
	if phone == "" {
		return nil, ErrNoPhone
	}
	return o.start(ctx, &Challenge{User: user, Phone: phone, Purpose: purpose, Hidden: true})
}

// StartNotice is StartDecoy for a number the asker may not learn has an
// account (a sign-up or a phone change to a taken number): the number
// gets notice in place of a code, sent as a code is, so that the answer
// and the time it takes are a real send's (docs/contract.md, "Sign-up").
// A resend of it sends nothing, as a decoy's does.
func (o *OTP) StartNotice(ctx context.Context, phone, purpose, notice string) (*Challenge, error) {
	return o.startNotice(ctx, &Challenge{Phone: phone, Purpose: purpose}, notice)
}

// startNotice starts ch, a decoy for a number that has an account, whose
// number gets notice in place of a code (StartNotice); ch.Hidden says
// whether a failed send of it is stood in for.
func (o *OTP) startNotice(ctx context.Context, ch *Challenge, notice string) (*Challenge, error) {
	if o.SendsText() {
		ch.notice = notice // else a decoy, as Notify sends nothing there
	}
	return o.start(ctx, ch)
}

// standsIn reports whether the failed send of ch, which ended with err,
// is answered by a stand-in (standIn): ch is hidden (Challenge.Hidden)
// and err is the provider's (its refusal: the number opted out,
// unroutable, its limit; or its outage), which a decoy, calling no
// provider, never meets. Any other failure (the store's, which a decoy
// meets too) is the answer itself.
func standsIn(ch *Challenge, err error) bool {
	var pe *providerError
	return ch.Hidden && errors.As(err, &pe)
}

// standIn answers ch, whose send failed at the provider with err
// (standsIn), as the decoy of a number without an account would be
// answered: a decoy for ch's number, which sends nothing and is never
// right, is stored in its place, answered when ch would have been
// (ch.due); the send quotas ch took stay spent,
// as a decoy's do; and err rides on it (sendErr) for the caller to put
// on the trail. Before, the provider's answer (400 opted_out, 502
// sms_failed) told which numbers and names have accounts.
func (o *OTP) standIn(ctx context.Context, ch *Challenge, err error) (*Challenge, error) {
	d, derr := o.issue(ctx, &Challenge{Phone: ch.Phone, Purpose: ch.Purpose, Hidden: true, due: ch.due})
	if derr != nil {
		return nil, derr // the store's failure, as a decoy's would be
	}
	d.sendErr = err
	return d, nil
}

// tallySend counts (tally) a send to phone that ended with ch and err:
// err, or the provider's failure ch stands in for. A send that goes on
// after its answer (Challenge.detached) is counted when it ends
// (OTP.late).
func (o *OTP) tallySend(ctx context.Context, phone string, decoy bool, ch *Challenge, err error) {
	switch {
	case err != nil:
	case ch.detached:
		return
	default:
		err = ch.sendErr
	}
	o.tally(ctx, phone, decoy, err)
}
