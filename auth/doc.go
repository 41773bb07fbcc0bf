// Package auth holds the domain of Gatehouse: users and password hashing,
// one-time codes, sessions, regulation, the assertion signer and the SMS
// senders, with the small interfaces (Store, UserBackend, Sender, Clock)
// that adapters implement. It knows nothing about HTTP.
//
// Errors are sentinels (ErrInvalidCredentials, ErrOTPExpired, ...) that
// adapters wrap with %w and callers test with errors.Is.
package auth
