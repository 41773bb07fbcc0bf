// Package sms holds the SMS providers behind auth.Sender: Twilio
// Programmable Messaging (TwilioMessaging), Twilio Verify (TwilioVerify),
// the Sinch Verification API (Sinch) and a signed webhook (Webhook) for
// anything else.
//
// TwilioMessaging and Webhook deliver the code Gatehouse made, in the text
// of otp.message. TwilioVerify and Sinch have the provider make, send and
// check its own code: they implement auth.CodeChecker, and auth.OTP keeps
// the provider's verification reference with the challenge.
//
// Every provider call is bounded by the configured timeout. Failures are
// *Error values that match the auth sentinels with errors.Is:
// auth.ErrInvalidPhone when the provider refused the number,
// auth.ErrRateLimited (an *auth.RateLimitError) when it refused to send
// again so soon, auth.ErrOTPExpired when a verification can no longer
// succeed, and auth.ErrSMSFailed for everything else (network, timeouts,
// 5xx, bad credentials). Their text never holds a phone number, a code or
// a credential, so they can be logged.
//
// Instrument wraps a provider with an Observer (Metrics exports
// Prometheus series) and logs failures.
package sms
