package auth

import "context"

// Notify sends an informational SMS (no code), e.g. to tell the old number
// that the account's phone was changed. It goes through the same sender
// and counts against no quota, but it is a text like any other: only to
// a number whose country and kind codes may go to, and counted on the
// console's SMS page, sent or refused (docs/contract.md, "Account page").
// As every notice, it is not cut short by the request's end (notify).
//
// A provider that makes and sends its own codes (twilio_verify, sinch: a
// CodeChecker) sends nothing else, and a notice would reach the number
// as a bare verification code: none is sent (docs/contract.md, "SMS
// providers").
func (o *OTP) Notify(ctx context.Context, to, body string) error {
	return o.notify(ctx, to, body, "")
}

// NotifyOwner sends body, a security notice, to an account's own number
// to as Notify does, but counted against the number's notice quota
// (otp.max_sends per its window, store key otp:qn:), a budget of its
// own apart from the codes': a person adding and removing passkeys in a
// loop gets that many notices in a window and no more, and spends
// neither otp.budget nor the quota their sign-in codes need
// (docs/contract.md, "Security notices").
func (o *OTP) NotifyOwner(ctx context.Context, to, body string) error {
	return o.notify(ctx, to, body, o.noticeQuotaKey(to))
}

// notify sends body to to, counted against the quota under key ("":
// none); a send that surely did not go out gives its unit back. A notice
// tells of a change already written: its send is not cut short by the
// request's end (a client that hangs up once its change is written, as
// a thief who moved the number would to keep the old one from hearing
// of it), only by sms.timeout (docs/contract.md, "Security notices").
func (o *OTP) notify(ctx context.Context, to, body, quota string) (err error) {
	if !o.SendsText() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.cfg.SendTimeout)
	defer cancel()
	defer func() { o.tally(ctx, to, false, err) }()
	if err := o.countryAllowed(to); err != nil {
		return err
	}
	if quota != "" && o.cfg.MaxSends > 0 {
		if err := o.reserve(ctx, quota, o.cfg.MaxSends, o.cfg.SendWindow, "notice_quota"); err != nil {
			return err
		}
		defer func() {
			o.refundIfUnsent(ctx, err, func(ctx context.Context) { o.release(ctx, quota) })
		}()
	}
	return o.sender.Send(ctx, Message{To: to, Body: body})
}

// SendsText reports whether the provider sends a text of Gatehouse's
// own (a notice), not only its own codes.
func (o *OTP) SendsText() bool { return o.checker == nil }
