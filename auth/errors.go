package auth

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Adapters (stores, SMS providers, user backends) translate
// their own failures into these and wrap them with %w; the gateway maps them
// to HTTP statuses in one place with errors.Is. Never match error text.
var (
	// ErrOptedOut: the number's owner asked the provider to stop texts
	// (replied STOP); no code can reach it until they opt back in.
	ErrOptedOut = errors.New("the number has opted out of text messages")
	// ErrCheckFailed: the provider that made a code could not be asked
	// whether one is right (down, timeout): nothing about the code.
	ErrCheckFailed = errors.New("the code could not be checked")
	// ErrNotFound: the store has no value under the key (or it expired).
	ErrNotFound = errors.New("not found")
	// ErrStoreUnavailable: the store could not be reached or timed out, or
	// a counter in it holds something other than a count (read as 0 it
	// would lift a limit). The gateway answers 503 and never lets a
	// request through.
	ErrStoreUnavailable = errors.New("store unavailable")
	// ErrSessionNotFound: no valid session for the presented cookie.
	ErrSessionNotFound = errors.New("session not found")
	// ErrInvalidCredentials: unknown user, wrong password or disabled user.
	// The three are deliberately indistinguishable.
	ErrInvalidCredentials = errors.New("invalid credentials")
	// ErrLastTryBeforeBan: ErrInvalidCredentials when the next failure
	// within find_time bans the name typed (errors.Is matches both).
	ErrLastTryBeforeBan = fmt.Errorf("%w: one try left before a ban", ErrInvalidCredentials)
	// ErrUserNotFound: a user backend has no such user. Never shown to clients.
	ErrUserNotFound = errors.New("user not found")
	// ErrOTPInvalid: the code is wrong; the challenge is still alive.
	ErrOTPInvalid = errors.New("invalid code")
	// ErrOTPExpired: the challenge expired, was already used, or used up its
	// attempts. A new code must be requested.
	ErrOTPExpired = errors.New("code expired")
	// ErrOTPAttemptsUsed: ErrOTPExpired because the wrong code just entered
	// was the last one the challenge allowed (errors.Is matches both).
	ErrOTPAttemptsUsed = fmt.Errorf("%w: attempts used up", ErrOTPExpired)
	// ErrOTPLastAttempt: ErrOTPInvalid with one attempt left on the
	// challenge, so pages can warn (errors.Is matches both).
	ErrOTPLastAttempt = fmt.Errorf("%w: one attempt left", ErrOTPInvalid)
	// ErrNoChallenge: there is no pending login or step-up to send a code for.
	ErrNoChallenge = errors.New("no pending code")
	// ErrNoPhone: the account has no phone number to send a code to.
	ErrNoPhone = errors.New("no phone number on the account")
	// ErrInvalidPhone: the phone number cannot be parsed or is not allowed.
	ErrInvalidPhone = errors.New("invalid phone number")
	// ErrRateLimited: too many requests; see RateLimitError for Retry-After.
	ErrRateLimited = errors.New("rate limited")
	// ErrBanned: the user or client is banned for a while by regulation.
	ErrBanned = errors.New("temporarily banned")
	// ErrOverloaded: too much concurrent hashing work; try again shortly.
	ErrOverloaded = errors.New("overloaded")
	// ErrSMSFailed: the SMS provider failed (network, 5xx, timeout).
	ErrSMSFailed = errors.New("sms provider failed")
	// ErrDeliveryUncertain marks a failed send that the provider may
	// nevertheless have taken: the request reached it whole and no answer
	// said it was refused (the connection dropped, a 2xx answer was cut
	// short or unreadable). It goes with ErrSMSFailed, never alone, and
	// keeps the send's quotas spent (DeliveryUncertain).
	ErrDeliveryUncertain = errors.New("the provider may have taken the send")
	// ErrInvalidToken: a token (assertion) failed verification.
	ErrInvalidToken = errors.New("invalid token")
	// ErrRecordContended: a change of an account was not made because
	// other changes of the account kept landing between its read of the
	// record and its write (each write is a compare-and-set,
	// docs/contract.md "Sessions end when credentials change"). Nothing
	// was written; trying again shortly works.
	ErrRecordContended = errors.New("the account kept changing under the change")
	// ErrCredentialsChanged: a change checked against an account's
	// credentials (its credential generation, enabled) was not made
	// because they changed before it was written: another password or
	// phone, disabled, or the account deleted and the name given again
	// (docs/contract.md, "Sessions end when credentials change"). The
	// login service answers it as what the change was proved with having
	// expired (the code, the link, the session).
	ErrCredentialsChanged = errors.New("the account's credentials changed meanwhile")
	// ErrPasswordLinkInvalid: a set-password link is unknown, used,
	// expired, or its account's credentials changed since it was made.
	ErrPasswordLinkInvalid = errors.New("set-password link not valid")
)

// RateLimitError carries how long a client must wait. It matches
// ErrRateLimited (or ErrBanned when Banned is set) with errors.Is.
type RateLimitError struct {
	RetryAfter time.Duration // how long until the client may try again (Retry-After)
	Banned     bool          // a regulation ban or lock rather than a quota
	Reason     string        // e.g. "resend_cooldown", "send_quota"; for logs and metrics
}

// Error implements error.
func (e *RateLimitError) Error() string {
	if e.Banned {
		return fmt.Sprintf("temporarily banned, retry after %s", e.RetryAfter)
	}
	return fmt.Sprintf("rate limited (%s), retry after %s", e.Reason, e.RetryAfter)
}

// Is makes errors.Is(err, ErrRateLimited) and errors.Is(err, ErrBanned) work.
func (e *RateLimitError) Is(target error) bool {
	if e.Banned {
		return target == ErrBanned || target == ErrRateLimited
	}
	return target == ErrRateLimited
}
