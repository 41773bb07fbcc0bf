package auth

// A sign-in factor added on the account page (a passkey, an
// authenticator app, a set of recovery codes) is kept only by a session
// that outlived its write (docs/contract.md, "Admin console", "Sessions
// end when they are ended").

import (
	"context"
	"errors"
)

// keepFactor is called once a factor was written for u at the request of
// sess, which was checked as a session of u when the request began. The
// factor stays only if sess is still signed in under u's credentials
// (stillSignedIn) after the write; otherwise undo takes it away again
// and the error (ErrSessionNotFound, or the store's) is returned. Asked
// after the write, so that a delete of the account (Forget ends its
// sessions, then removes its factors) or a revocation followed by a
// removal, landing at any moment, is never outlived: either the session
// was still there when the factor was written, and the removal that
// follows the end finds the factor, or this check finds the end. Before,
// a request in flight across a delete wrote its factor after the delete
// had removed the account's: a new account of the same name inherited
// the old holder's key, app or codes.
func (l *Login) keepFactor(ctx context.Context, sess *Session, u *User, undo func(context.Context) error) error {
	err := l.stillSignedIn(ctx, sess, u)
	if err == nil {
		return nil
	}
	// Taken away even when the request was cancelled meanwhile.
	if uerr := undo(context.WithoutCancel(ctx)); uerr != nil {
		return errors.Join(err, uerr)
	}
	return err
}
