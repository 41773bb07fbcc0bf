package sms

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// Error is a failed provider call, holding only what is safe to log: the
// provider, the operation, the HTTP status, the provider's error code and
// a detail that carries no phone number, code or credential.
//
// It matches one auth sentinel with errors.Is (ErrInvalidPhone,
// ErrRateLimited, ErrOTPExpired or ErrSMSFailed; see the package doc),
// and the transport error, if any, so that auth.DeliveryUncertain can
// tell a timeout; a failure after the request reached the provider whole,
// with no answer that refused it, also matches auth.ErrDeliveryUncertain.
type Error struct {
	Provider string // "twilio", "sinch", "webhook"
	Op       string // "send", "check", "cancel"
	Status   int    // HTTP status; 0 when no answer came back
	Code     int    // the provider's error code; 0 when none
	Detail   string // safe detail: a status name or a documentation link (printed clipped: clip)

	kind  error // the auth sentinel (or *auth.RateLimitError)
	cause error // the transport error, if any
	// maybeSent: the request reached the provider whole and no answer
	// said it was refused, so the message may have gone out
	// (auth.ErrDeliveryUncertain).
	maybeSent bool
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Provider, e.Op)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, ", error %d", e.Code)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, " (%s)", clip(e.Detail, maxDetail))
	}
	if e.cause != nil {
		// Go's HTTP client quotes what came back where a status line
		// should be, whole: a provider's text like any other.
		fmt.Fprintf(&b, ": %s", clip(e.cause.Error(), maxCause))
	}
	if e.kind != nil {
		fmt.Fprintf(&b, ": %v", e.kind)
	}
	return b.String()
}

// Unwrap returns the sentinel and the transport error.
func (e *Error) Unwrap() []error {
	out := make([]error, 0, 3)
	if e.kind != nil {
		out = append(out, e.kind)
	}
	if e.maybeSent {
		out = append(out, auth.ErrDeliveryUncertain)
	}
	if e.cause != nil {
		out = append(out, e.cause)
	}
	return out
}

// maxDetail bounds the bytes of a detail an error prints; maxCause those
// of its transport error, whose own words (a certificate's names) may
// run longer.
const (
	maxDetail = 160
	maxCause  = 240
)

// clip returns text, a detail or a transport error, as an error prints
// it (docs/contract.md, "SMS delivery"): on one line, without the
// invisible characters that turn text around (control characters become
// spaces, format characters and line or paragraph separators go), and
// cut to limit bytes, "…" marking the cut. Both hold a provider's text
// (a status, a reason, a link; a status line that was no HTTP, quoted by
// Go's HTTP client), which a broken or hostile provider makes as long as
// an answer may be.
func clip(text string, limit int) string {
	var b strings.Builder
	for _, r := range text {
		switch {
		case unicode.IsControl(r):
			r = ' '
		case unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp):
			continue
		}
		if b.Len()+utf8.RuneLen(r) > limit {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// transportError strips the URL from a *url.Error: a webhook URL may hold
// a token, and the rest of the message says what went wrong.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
