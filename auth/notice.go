package auth

// Security notices (docs/contract.md, "Security notices"): one text to
// an account's own number when its signed-in person adds a way to sign
// in or changes the password, so that a thief holding a session within
// the fresh proofs' window does not go unseen.

import (
	"context"
	"net/url"
	"strings"
	"unicode/utf8"
)

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

// maxNoticeName bounds the name a notice gives the gateway: with the
// longest notice's words it is one text of 160 characters at most.
const maxNoticeName = 60

// gsmBasic is GSM 7-bit's basic character set: a text of these alone,
// 160 at most, is one SMS segment; one other character (a "•", a curly
// quote, an emoji) sends the whole text as UCS-2, 70 a segment.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// fitsNotice reports whether s can name the gateway in a notice: not
// empty, GSM 7-bit's basic characters alone, at most maxNoticeName.
func fitsNotice(s string) bool {
	return s != "" && utf8.RuneCountInString(s) <= maxNoticeName && !strings.ContainsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || !strings.ContainsRune(gsmBasic, r)
	})
}

// NoticeName is the name the security notices give the gateway: app
// (portal.app_name) when it fits one text (GSM 7-bit's basic characters,
// at most 60), else the host of publicURL (public_url) when that does,
// else "Gatehouse" (docs/contract.md, "Security notices").
func NoticeName(app, publicURL string) string {
	if app = strings.TrimSpace(app); fitsNotice(app) {
		return app
	}
	if u, err := url.Parse(publicURL); err == nil && fitsNotice(u.Hostname()) {
		return u.Hostname()
	}
	return "Gatehouse"
}

// tellOwner texts u's own number, if it has one, that what was just
// written at the request of its signed-in person: one text, naming the
// gateway, never a code, a link or a secret, counted against the
// number's notice quota (OTP.NotifyOwner). It never fails the change:
// a notice not sent is logged (docs/contract.md, "Security notices").
func (l *Login) tellOwner(ctx context.Context, u *User, what notice) {
	if l.d.NoticesOff || u.Phone == "" || l.d.OTP == nil {
		return
	}
	name := l.d.NoticeName
	if name == "" {
		name = NoticeName(l.d.OTP.Config().App, "")
	}
	body := name + ": " + string(what) + ". Not you? Tell your administrator."
	if err := l.d.OTP.NotifyOwner(ctx, u.Phone, body); err != nil {
		l.log.WarnContext(ctx, "account: security notice not sent", "user", u.Username, "notice", string(what), "error", err)
	}
}
