package auth

// The name every text Gatehouse sends gives the gateway: {{.App}} in a
// code's message, and each notice's (docs/contract.md, "SMS delivery").

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// maxTextName bounds the name a text gives the gateway: with the longest
// notice's words (the sign-up notice to the number typed with a taken
// email, 122 characters) it is one text of 160 characters at most.
const maxTextName = 30

// gsmBasic is GSM 7-bit's basic character set: a text of these alone,
// 160 at most, is one SMS segment; one other character (a "•", a curly
// quote, an emoji) sends the whole text as UCS-2, 70 a segment.
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// fitsText reports whether s can name the gateway in a text: not empty,
// GSM 7-bit's basic characters alone, on one line, at most maxTextName.
func fitsText(s string) bool {
	return s != "" && utf8.RuneCountInString(s) <= maxTextName && !strings.ContainsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || !strings.ContainsRune(gsmBasic, r)
	})
}

// TextName is the name every text gives the gateway (a code's {{.App}},
// the notices): app (portal.app_name) when it fits one text (GSM 7-bit's
// basic characters, at most 30), else the host of publicURL (public_url)
// when that does, else "Gatehouse" (docs/contract.md, "SMS delivery").
// NewOTP gives OTPConfig.App through it; check-config warns of an app
// it does not keep as written.
func TextName(app, publicURL string) string {
	if app = strings.TrimSpace(app); fitsText(app) {
		return app
	}
	if u, err := url.Parse(publicURL); err == nil && fitsText(u.Hostname()) {
		return u.Hostname()
	}
	return "Gatehouse"
}
