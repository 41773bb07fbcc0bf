package auth

import "context"

// Notify sends an informational SMS (no code), e.g. to tell the old number
// that the account's phone was changed. It goes through the same sender
// and counts against no quota, but it is a text like any other: only to
// a number whose country and kind codes may go to, and counted on the
// console's SMS page, sent or refused (docs/contract.md, "Account page").
//
// A provider that makes and sends its own codes (twilio_verify, sinch: a
// CodeChecker) sends nothing else, and a notice would reach the number
// as a bare verification code: none is sent (docs/contract.md, "SMS
// providers").
func (o *OTP) Notify(ctx context.Context, to, body string) (err error) {
	if !o.SendsText() {
		return nil
	}
	defer func() { o.tally(ctx, to, false, err) }()
	if err := o.countryAllowed(to); err != nil {
		return err
	}
	return o.sender.Send(ctx, Message{To: to, Body: body})
}

// SendsText reports whether the provider sends a text of Gatehouse's
// own (a notice), not only its own codes.
func (o *OTP) SendsText() bool { return o.checker == nil }
