package auth

// The login service's recovery-code steps (docs/contract.md, "Recovery
// codes"): signing in with one instead of the text-message code, making a
// new set on the account page, and the offer after a first sign-in.

import (
	"context"
	"errors"
	"time"
)

// Errors of the recovery-code steps.
var (
	// ErrRecoveryUnavailable: the gateway was built without recovery codes.
	ErrRecoveryUnavailable = errors.New("recovery codes are not available")
	// ErrPasswordFirst: a recovery code follows the password, proved in
	// this session within CredentialChangeAge; it never replaces it.
	ErrPasswordFirst = errors.New("sign in with the password first")
	// ErrRecoveryNeedsFactor: recovery codes back up a second factor (a
	// phone, an authenticator app or a passkey); an account without one
	// cannot make a set.
	ErrRecoveryNeedsFactor = errors.New("recovery codes need a second factor on the account")
)

// RecoveryCode signs in the session's user with one of their recovery
// codes (or one an administrator issued) in place of the text-message
// code: after the password, proved in this session within
// CredentialChangeAge. The code is spent; a wrong one counts against the
// account and the client like a wrong text-message code, and against the
// account's recovery codes (FactorRecovery), a count that neither the
// password nor a sign-in without a recovery code forgets.
func (l *Login) RecoveryCode(ctx context.Context, c Client, sess *Session, code string) (Step, error) {
	if l.d.Recovery == nil {
		return Step{}, ErrRecoveryUnavailable
	}
	u, err := l.passwordUser(ctx, sess, l.now().Add(-CredentialChangeAge))
	if err != nil {
		return Step{}, err
	}
	if code == "" {
		return Step{}, FieldProblem("recovery_code", "field.recovery_code.required", "Enter one of your recovery codes.")
	}
	if err := l.checkBan(ctx, c, u.Username); err != nil {
		return Step{}, err
	}
	if err := l.checkFactorBan(ctx, c, FactorRecovery, u.Username); err != nil {
		return Step{}, err
	}
	spent, err := l.d.Recovery.Use(ctx, u.Username, code)
	if err != nil {
		return Step{}, l.recoveryFailed(ctx, c, u.Username, err)
	}
	if err := l.factorSucceeded(ctx, FactorRecovery, u.Username); err != nil {
		return Step{}, err
	}
	// In place of a pending code: the answer that code carried.
	remember := sess.Pending.rememberAnswer()
	l.cancelPending(ctx, sess)
	if err := l.d.Sessions.AddProof(ctx, sess, u, MethodRecovery, SignIn{Remember: remember, Complete: true}); err != nil {
		return Step{}, err
	}
	// A new set or a void that landed after the code was spent, and
	// found no session of it to end, leaves this one signed in by a code
	// the account no longer has: it ends, answered as a voided code.
	if err := l.keepProof(ctx, sess, func(ctx context.Context) (bool, error) {
		return l.d.Recovery.Holds(ctx, u.Username, spent)
	}, ErrRecoveryCodeInvalid); err != nil {
		return Step{}, l.recoveryFailed(ctx, c, u.Username, err)
	}
	if err := l.signedIn(ctx, c, sess, u); err != nil {
		return Step{}, err
	}
	l.auditRecoveryUse(ctx, c, u.Username, spent.Issued, "login")
	l.obs.Audit(ctx, c, Event{Name: "login_succeeded", User: u.Username, Attrs: []any{"methods", "pwd,rc"}})
	return Step{Session: sess}, nil
}

// recoveryFailed returns err, the refusal of a recovery code typed
// after the password; a wrong or voided code (ErrRecoveryCodeInvalid) is
// audited and counted first, against the account and the client and
// against the account's recovery codes (FactorRecovery).
func (l *Login) recoveryFailed(ctx context.Context, c Client, user string, err error) error {
	if !errors.Is(err, ErrRecoveryCodeInvalid) {
		return err
	}
	l.obs.Audit(ctx, c, Event{Name: "login_failed", User: user, Attrs: []any{"reason", "recovery_code_invalid"}})
	if rerr := l.recordFailure(ctx, c, user); rerr != nil {
		return rerr
	}
	if rerr := l.recordFactorFailure(ctx, c, FactorRecovery, user); rerr != nil {
		return rerr
	}
	return err
}

// passwordUser returns the account of a session that proved its password
// (or a user-verified passkey, which includes it) no earlier than
// notBefore (zero: at any time), under the account's current
// credentials; ErrPasswordFirst otherwise. A second factor is only ever
// added on top of that proof.
func (l *Login) passwordUser(ctx context.Context, sess *Session, notBefore time.Time) (*User, error) {
	if sess == nil || !sess.Satisfies(MethodPassword, notBefore) {
		return nil, ErrPasswordFirst
	}
	u, err := l.d.Users.Lookup(ctx, sess.User)
	switch {
	case errors.Is(err, ErrUserNotFound):
		return nil, ErrPasswordFirst
	case err != nil:
		return nil, err
	case u.Disabled || u.Generation != sess.Gen:
		return nil, ErrPasswordFirst // the credentials changed since the password
	}
	return u, nil
}

// auditRecoveryUse records the use of a recovery code, with how many of
// the account's own are left.
func (l *Login) auditRecoveryUse(ctx context.Context, c Client, user string, issued bool, purpose string) {
	attrs := []any{"purpose", purpose, "issued", issued}
	if st, err := l.d.Recovery.Status(ctx, user); err == nil {
		attrs = append(attrs, "left", st.Left)
	}
	l.obs.Audit(ctx, c, Event{Name: "recovery_code_used", User: user, Attrs: attrs})
}

// NewRecoveryCodes makes a new set of recovery codes for the signed-in
// user u of sess, killing the old set, and returns them to be shown once.
// A set backs up the account's second factors, so it binds a new
// authenticator: it needs the password and every second factor the
// account has, each proved within CredentialChangeAge (NIST SP 800-63B
// §6.1.2.3), and an account with at least one (a phone, an authenticator
// app or a passkey). The account's number is told (docs/contract.md,
// "Security notices").
func (l *Login) NewRecoveryCodes(ctx context.Context, c Client, sess *Session, u *User) ([]string, error) {
	if l.d.Recovery == nil {
		return nil, ErrRecoveryUnavailable
	}
	if err := l.recoveryAllowed(ctx, sess, u); err != nil {
		return nil, err
	}
	codes, kept, err := l.makeRecoveryCodes(ctx, c, sess, u)
	if kept {
		// Told once the lock is given back: a slow provider holds up
		// no void nor other set (docs/contract.md, "Security notices").
		l.tellOwner(ctx, u, noticeRecovery)
	}
	return codes, err
}

// makeRecoveryCodes is NewRecoveryCodes under the lock of u's sets; kept
// says whether the new set was recorded and kept for sess (whatever
// came after).
func (l *Login) makeRecoveryCodes(ctx context.Context, c Client, sess *Session, u *User) (_ []string, kept bool, err error) {
	lease, work, err := l.d.Recovery.lock(ctx, u.Username, setLock)
	if err != nil {
		return nil, kept, err
	}
	defer func() { err = lease.Done(err) }()
	// A void or another set that ended this session before the lock was
	// held leaves it nothing to make.
	if err := l.stillSignedIn(work, sess, u); err != nil {
		return nil, kept, err
	}
	// Recorded only while the lock is still this set's: one paused past
	// its TTL while a void or another set took it records nothing
	// (before, it was recorded over the other set, whose codes, shown,
	// were dead).
	var codes []string
	if err := lease.Write(work, func(ctx context.Context) (err error) {
		codes, err = l.d.Recovery.Generate(ctx, u.Username)
		return err
	}); err != nil {
		return nil, kept, err
	}
	// What follows only ends sessions and bans, which undoes no other
	// change: it is made in the request's context, not cut short once
	// the lease is lost (heldThrough says so after it).
	if err := l.keepFactor(ctx, sess, u, func(ctx context.Context) error {
		return l.d.Recovery.Withdraw(ctx, u.Username, codes)
	}); err != nil {
		return nil, kept, err
	}
	kept = true
	// A new set starts with no wrong codes, ban or lock against it.
	if err := l.factorReplaced(ctx, FactorRecovery, u.Username); err != nil {
		return nil, kept, err
	}
	// The old set is voided because it may be in someone else's hands
	// (a lost sheet): the account's other sessions that a recovery code
	// signed in end with it, as for a removed app or key.
	n, err := l.d.Sessions.RevokeUserWith(ctx, u.Username, MethodRecovery, sess.ID)
	l.auditChange(ctx, c, Event{Name: "recovery_codes_created", User: u.Username}, n, err)
	if err != nil {
		return nil, kept, err
	}
	// Held to the last end, or another set may have been recorded over
	// this one: its codes are not shown (try again).
	if err := lease.heldThrough(ctx); err != nil {
		return nil, kept, err
	}
	return codes, kept, nil
}

// VoidRecoveryOf voids user's recovery codes without any proof, its set
// and every code issued before, and ends every session of user that a
// recovery code signed in: an administrator's action (the caller
// authorises and audits it). It reports how many sessions ended.
func (l *Login) VoidRecoveryOf(ctx context.Context, user string) (_ int, err error) {
	if l.d.Recovery == nil {
		return 0, ErrRecoveryUnavailable
	}
	lease, work, err := l.d.Recovery.lock(ctx, user, voidLock)
	if err != nil {
		return 0, err
	}
	defer func() { err = lease.Done(err) }()
	if err := lease.Write(work, func(ctx context.Context) error { return l.d.Recovery.Forget(ctx, user) }); err != nil {
		return 0, err
	}
	// Ends made even once the lease is lost, as a new set's.
	n, err := l.d.Sessions.RevokeUserWith(ctx, user, MethodRecovery, "")
	if err != nil {
		return n, err
	}
	// A set made while the lock had lapsed, between the removal and the
	// ends, would outlive the void: it is then to be made again.
	return n, lease.heldThrough(ctx)
}

// RecoveryStatus reports the recovery codes of user.
func (l *Login) RecoveryStatus(ctx context.Context, user string) (RecoveryStatus, error) {
	if l.d.Recovery == nil {
		return RecoveryStatus{}, ErrRecoveryUnavailable
	}
	return l.d.Recovery.Status(ctx, user)
}

// OfferRecovery reports whether the signed-in user u of sess, who has
// just completed a two-factor sign-in, is to be offered a set of recovery
// codes now: once per account, the first time its session holds what
// making a set takes, proved with its own factors rather than a recovery
// code (docs/contract.md, "Recovery codes"). It records the offer.
func (l *Login) OfferRecovery(ctx context.Context, sess *Session, u *User) (bool, error) {
	if l.d.Recovery == nil || u == nil || sess == nil || sess.Has(MethodRecovery, time.Time{}) {
		return false, nil
	}
	switch err := l.recoveryAllowed(ctx, sess, u); {
	case errors.Is(err, ErrRecoveryNeedsFactor), errors.Is(err, ErrFreshProofNeeded):
		return false, nil
	case err != nil:
		return false, err
	}
	return l.d.Recovery.MarkOffered(ctx, u.Username)
}

// recoveryAllowed is nil when the signed-in user u of sess may make a set
// of recovery codes now: the account has a second factor, and sess proved
// the password and each of them within CredentialChangeAge.
func (l *Login) recoveryAllowed(ctx context.Context, sess *Session, u *User) error {
	f, err := l.Factors(ctx, u)
	if err != nil {
		return err
	}
	if !f.Any() {
		return ErrRecoveryNeedsFactor
	}
	return f.fresh(sess, l.now().Add(-CredentialChangeAge))
}
