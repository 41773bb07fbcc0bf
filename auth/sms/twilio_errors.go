package sms

// twilioError: what twilio-go returned, as an *Error matching the auth
// sentinel that Twilio's error code means.

import (
	"errors"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	twclient "github.com/twilio/twilio-go/client"
)

// twilioRetry is how long Twilio Verify refuses new sends to a number
// after too many: until the pending verification expires.
const twilioRetry = 10 * time.Minute

// twilioError turns what twilio-go returned into an *Error. op is "send",
// "check" or "cancel".
func twilioError(op string, err error, rt *twilioTransport) *Error {
	e := &Error{Provider: "twilio", Op: op, Status: int(rt.status.Load())}
	var te *twclient.TwilioRestError
	if !errors.As(err, &te) {
		// Network failure, timeout, or an answer that was not Twilio's
		// JSON (a proxy's error page). Once the request reached Twilio
		// whole, only a refusal's status says nothing was done: a lost
		// or cut 2xx answer, or none at all, may hide a message sent.
		e.cause = transportError(err)
		e.kind = auth.ErrSMSFailed
		e.maybeSent = rt.wrote.Load() && (e.Status == 0 || e.Status/100 == 2)
		return e
	}
	e.Code, e.Detail = te.Code, te.MoreInfo
	if te.Status != 0 {
		e.Status = te.Status
	}
	switch te.Code {
	case 21211, // invalid 'To' number
		21214, // 'To' number cannot be reached
		21217, // phone number does not appear to be valid
		21265, // 'To' number cannot be a short code
		21401, // invalid phone number
		21407, // this number is not supported
		21612, // cannot route to this number
		21614, // 'To' number is not a mobile number
		60200, // Verify: invalid parameter (the number, on a send)
		60205, // Verify: SMS not supported by landline
		60410: // Verify: prefix blocked by Fraud Guard
		e.kind = auth.ErrInvalidPhone
	case 21408, // no permission to send to this region (geo permissions)
		60605: // Verify: geo permissions block this country
		e.kind = auth.ErrCountryNotAllowed
	case 21610: // the recipient replied STOP
		e.kind = auth.ErrOptedOut
	case 20429: // too many requests: Twilio says when to come back
		wait := time.Duration(rt.retryAfter.Load())
		if wait <= 0 {
			wait = time.Minute
		}
		e.kind = &auth.RateLimitError{RetryAfter: wait, Reason: "provider_rate_limited"}
	case 60203: // Verify: max send attempts
		e.kind = &auth.RateLimitError{RetryAfter: twilioRetry, Reason: "provider_send_limit"}
	case 60212: // Verify: too many concurrent requests for this number
		e.kind = &auth.RateLimitError{RetryAfter: time.Minute, Reason: "provider_concurrency"}
	case 60202: // Verify: max check attempts
		if op == "check" {
			e.kind = auth.ErrOTPExpired
		} else {
			e.kind = &auth.RateLimitError{RetryAfter: twilioRetry, Reason: "provider_send_limit"}
		}
	case 20404: // not found
		if op == "send" {
			e.kind = auth.ErrSMSFailed // the service or account is wrong
		} else {
			e.kind = auth.ErrOTPExpired // expired, approved or canceled
		}
	default:
		// 20003 bad credentials, 21606 bad From, 5xx: nothing the person
		// can fix.
		e.kind = auth.ErrSMSFailed
	}
	return e
}
