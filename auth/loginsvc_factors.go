package auth

// A sign-in factor added on the account page (a passkey, an
// authenticator app, a set of recovery codes) is kept only by a session
// that outlived its write, and a sign-in's proof of a factor only while
// the account still has the factor once it is written (docs/contract.md,
// "Admin console", "Sessions end when they are ended", "Passkeys",
// "Recovery codes").

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

// keepProof is called once sess was written with the proof of a second
// factor of its account, checked before the write. The proof stays only
// if held, asked after the write, still finds the factor the account's;
// otherwise the session is ended and refused returned (what the factor
// answers once removed). A removal deletes the factor, then ends the
// sessions it signed in: either it deleted the factor before held
// asked, and held ends this session, or it comes after, and its end
// finds this session with the proof. Before, a sign-in whose factor was
// removed between its check and its write stayed signed in by a factor
// the account no longer had (docs/contract.md, "Passkeys",
// "Authenticator apps", "Recovery codes": a new set or a void of the
// codes is the removal of a recovery code's).
func (l *Login) keepProof(ctx context.Context, sess *Session, held func(context.Context) (bool, error), refused error) error {
	ok, err := held(ctx)
	if err == nil && ok {
		return nil
	}
	if err == nil {
		err = refused
	}
	// Ended even when the request was cancelled meanwhile.
	if derr := l.d.Sessions.Delete(context.WithoutCancel(ctx), sess.ID); derr != nil {
		return errors.Join(err, derr)
	}
	return err
}
