// Package fakesms runs fake Twilio (Programmable Messaging and Verify v2),
// Sinch Verification and webhook-receiver servers for tests.
//
// The fakes behave like the real APIs where Gatehouse can tell: they check
// HTTP Basic credentials (and answer 401 with the provider's own error
// body otherwise), paths, methods, content types and form or JSON fields;
// they validate phone numbers with libphonenumber; they answer with the
// success and error bodies and status codes the providers document
// (Twilio's {"code","message","more_info","status"}, Sinch's
// {"errorCode","message","reference"}); and Verify and Sinch keep real
// verification state: codes, expiry after ten minutes, attempt limits,
// one pending verification per number.
//
// Tests read what was sent (Messages, Verifications, Code, Deliveries),
// count requests, and inject failures for the next requests or for all of
// them: any status and provider error code, a non-JSON body, a delay
// longer than the client's timeout, or a dropped connection.
package fakesms
