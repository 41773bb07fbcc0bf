package auth

// Security notices (docs/contract.md, "Security notices"): one text to
// an account's own number when its signed-in person adds a way to sign
// in or changes the password, so that a thief holding a session within
// the fresh proofs' window does not go unseen.

import "context"

// notice is a change an account's own number is told of: the words of
// its text.
type notice string

// The security notices.
const (
	noticePasskey  notice = "a passkey was added to your account"
	noticeApp      notice = "an authenticator app was set up on your account"
	noticeRecovery notice = "new recovery codes were made for your account"
	noticePassword notice = "your password was changed"
)

// tellOwner texts u's own number, if it has one, that what was just
// written at the request of its signed-in person: one text, naming the
// gateway, never a code, a link or a secret, counted against the
// number's notice quota (OTP.NotifyOwner). It never fails the change:
// a notice not sent is logged (docs/contract.md, "Security notices").
func (l *Login) tellOwner(ctx context.Context, u *User, what notice) {
	if l.d.NoticesOff || u.Phone == "" || l.d.OTP == nil {
		return
	}
	body := l.d.OTP.Config().App + ": " + string(what) + ". Not you? Tell your administrator."
	if err := l.d.OTP.NotifyOwner(ctx, u.Phone, body); err != nil {
		l.log.WarnContext(ctx, "account: security notice not sent", "user", u.Username, "notice", string(what), "error", err)
	}
}
