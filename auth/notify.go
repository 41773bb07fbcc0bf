package auth

import "context"

// Notify sends an informational SMS (no code), e.g. to tell the old number
// that the account's phone was changed. It goes through the same sender
// and counts against nothing.
func (o *OTP) Notify(ctx context.Context, to, body string) error {
	return o.sender.Send(ctx, Message{To: to, Body: body})
}
