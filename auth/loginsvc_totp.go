package auth

// The login service's authenticator-app steps (docs/contract.md,
// "Authenticator apps"): the app's code as the second factor, setting an
// app up on the account page and removing it.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// accepts reports whether method is among accepts (nil: every method).
func accepts(list []string, method string) bool {
	return list == nil || slices.Contains(list, method)
}

// StrongestSecond is the second factor u is asked for where accepted
// (nil: every one) is taken: a passkey, else the authenticator app's
// code, else a text message, the strongest u has (docs/contract.md,
// "Policies"). When u has none the target takes: ErrTOTPNotEnrolled
// where it takes an app, else ErrPasskeyNotEnrolled.
func (l *Login) StrongestSecond(ctx context.Context, u *User, accepted []string) (string, error) {
	if l.d.Passkeys != nil && accepts(accepted, MethodHWK) {
		ok, err := l.d.Passkeys.Enrolled(ctx, u.Username)
		if err != nil || ok {
			return MethodHWK, err
		}
	}
	if l.d.TOTP != nil && accepts(accepted, MethodOTP) {
		ok, err := l.d.TOTP.Enrolled(ctx, u.Username)
		if err != nil || ok {
			return MethodOTP, err
		}
	}
	switch {
	case accepts(accepted, MethodSMS):
		return MethodSMS, nil
	case accepts(accepted, MethodOTP):
		return "", ErrTOTPNotEnrolled
	}
	return "", ErrPasskeyNotEnrolled
}

// TOTPEnrolled reports whether user has an authenticator app (false when
// totp.enabled is off).
func (l *Login) TOTPEnrolled(ctx context.Context, user string) (bool, error) {
	if l.d.TOTP == nil {
		return false, nil
	}
	return l.d.TOTP.Enrolled(ctx, user)
}

// TOTPCode signs in the session's user with their authenticator app's
// code, after the password (a sign-in or a step-up). A wrong, stale or
// replayed code counts against the account and the client like a wrong
// text-message code (docs/contract.md, "Regulation").
func (l *Login) TOTPCode(ctx context.Context, c Client, sess *Session, code string) (Step, error) {
	if l.d.TOTP == nil {
		return Step{}, ErrTOTPUnavailable
	}
	u, err := l.passwordUser(ctx, sess, time.Time{})
	if err != nil {
		return Step{}, err
	}
	if err := l.checkBan(ctx, c, u.Username); err != nil {
		return Step{}, err
	}
	if err := l.checkFactorBan(ctx, c, FactorApp, u.Username); err != nil {
		return Step{}, err
	}
	if code, err = l.appCodeInput(code); err != nil {
		return Step{}, err
	}
	app, err := l.d.TOTP.CheckApp(ctx, u.Username, code)
	if err := l.checkApp(ctx, c, u.Username, "login", err); err != nil {
		return Step{}, err
	}
	if err := l.factorSucceeded(ctx, FactorApp, u.Username); err != nil {
		return Step{}, err
	}
	// In place of a pending code, if one was sent: the answer it carried.
	remember := sess.Pending.rememberAnswer()
	l.cancelPending(ctx, sess)
	if err := l.d.Sessions.AddProof(ctx, sess, u, MethodOTP, SignIn{Remember: remember, Complete: true}); err != nil {
		return Step{}, err
	}
	if err := l.keepProof(ctx, sess, func(ctx context.Context) (bool, error) {
		return l.d.TOTP.Holds(ctx, u.Username, app)
	}, ErrTOTPNotEnrolled); err != nil {
		return Step{}, err
	}
	if err := l.signedIn(ctx, c, sess, u); err != nil {
		return Step{}, err
	}
	l.obs.Audit(ctx, c, Event{Name: "totp_used", User: u.Username, Attrs: []any{"purpose", "login"}})
	l.obs.Audit(ctx, c, Event{Name: "login_succeeded", User: u.Username, Attrs: []any{"methods", strings.Join(sess.Methods(), ",")}})
	return Step{Session: sess}, nil
}

// checkApp audits and counts the outcome err of checking an app's code
// for user: a wrong one is a failure against the account and the client,
// and a sign-in's also against the account's app (an enrolment's code is
// of a secret its person is shown, not a guess at the app). An
// enrolment's right code whose time step was used already (the same
// confirmation sent twice, a double click) is refused but counted
// against nobody: it guesses at nothing (docs/contract.md,
// "Authenticator apps").
func (l *Login) checkApp(ctx context.Context, c Client, user, purpose string, err error) error {
	if purpose == "enrol" && errors.Is(err, errTOTPReplayed) {
		return ErrTOTPInvalid
	}
	if errors.Is(err, ErrTOTPInvalid) {
		reason := "totp_invalid"
		if errors.Is(err, errTOTPReplayed) {
			reason = "totp_replayed"
		}
		l.obs.Audit(ctx, c, Event{Name: "login_failed", User: user, Attrs: []any{"reason", reason, "purpose", purpose}})
		l.obs.Code("failed")
		if rerr := l.recordFailure(ctx, c, user); rerr != nil {
			return rerr
		}
		if purpose == "login" {
			if rerr := l.recordFactorFailure(ctx, c, FactorApp, user); rerr != nil {
				return rerr
			}
		}
		return ErrTOTPInvalid
	}
	return err
}

// appCodeInput is an app's code as typed, or a field problem for input
// that cannot be one (not TOTPDigits digits): no guess, counted against
// nobody.
func (l *Login) appCodeInput(code string) (string, error) {
	code = NormalizeCode(code)
	ok := len(code) == TOTPDigits
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			ok = false
		}
	}
	if !ok {
		return "", FieldProblem("code", "field.totp.digits", "Enter the 6-digit code from your authenticator app.")
	}
	return code, nil
}

// freshProofs checks that sess proved, within CredentialChangeAge, the
// password (or a user-verified passkey, which includes it) and every
// second factor u signs in with (a recovery code standing in for any):
// what binding or removing an authenticator takes (NIST SP 800-63B
// §6.1.2.3). An account with no second factor at all binds its first with
// a recovery code, as for a first phone (docs/contract.md, "Account
// page").
func (l *Login) freshProofs(ctx context.Context, sess *Session, u *User) error {
	f, err := l.Factors(ctx, u)
	if err != nil {
		return err
	}
	return f.fresh(sess, l.now().Add(-CredentialChangeAge))
}

// freshKeyProofs is freshProofs for adding or removing a passkey: where
// the account has one, one of its passkeys must have answered. A
// recovery code stands in for a key everywhere else, but here it would
// let a phished password and recovery code add the phisher's key, which
// opens the routes that take passkeys only (docs/contract.md,
// "Passkeys").
func (l *Login) freshKeyProofs(ctx context.Context, sess *Session, u *User) error {
	f, err := l.Factors(ctx, u)
	if err != nil {
		return err
	}
	notBefore := l.now().Add(-CredentialChangeAge)
	if err := f.fresh(sess, notBefore); err != nil {
		return err
	}
	if f.Keys && !sess.Has(MethodHWK, notBefore) {
		return ErrPasskeyProofNeeded // a recovery code stood in for the key
	}
	return nil
}

// Factors are the second factors an account has enrolled: a phone, an
// authenticator app, passkeys (an app or keys only where they are
// enabled).
type Factors struct{ Phone, App, Keys bool }

// Any reports whether the account has a second factor.
func (f Factors) Any() bool { return f.Phone || f.App || f.Keys }

// Has reports whether the account has method (MethodSMS, MethodOTP or
// MethodHWK).
func (f Factors) Has(method string) bool {
	switch method {
	case MethodSMS:
		return f.Phone
	case MethodOTP:
		return f.App
	case MethodHWK:
		return f.Keys
	}
	return false
}

// fresh is nil when sess proved the password and each of f since
// notBefore; an account with no second factor needs a text code (a
// recovery code stands in: Session.Satisfies).
func (f Factors) fresh(sess *Session, notBefore time.Time) error {
	switch {
	case sess == nil || !sess.Satisfies(MethodPassword, notBefore),
		(f.Phone || !f.Any()) && !sess.Satisfies(MethodSMS, notBefore),
		f.App && !sess.Satisfies(MethodOTP, notBefore),
		f.Keys && !sess.Satisfies(MethodHWK, notBefore):
		return ErrFreshProofNeeded
	}
	return nil
}

// Factors returns the second factors u has enrolled: the one place that
// asks the store (two reads).
func (l *Login) Factors(ctx context.Context, u *User) (Factors, error) {
	app, err := l.TOTPEnrolled(ctx, u.Username)
	if err != nil {
		return Factors{}, err
	}
	keys, err := l.PasskeyEnrolled(ctx, u.Username)
	if err != nil {
		return Factors{}, err
	}
	return Factors{Phone: u.Phone != "", App: app, Keys: keys}, nil
}

// TOTPEnrolStart makes a new secret for the signed-in user u of sess, to
// be shown (QR code and text) and confirmed by TOTPEnrolFinish within
// TOTPEnrolTTL; while sess has one waiting, that one is shown again (it
// may be in the person's app already: a step-up came between showing it
// and its code). An account has one app at most.
func (l *Login) TOTPEnrolStart(ctx context.Context, c Client, sess *Session, u *User) (*TOTPEnrolment, error) {
	if l.d.TOTP == nil {
		return nil, ErrTOTPUnavailable
	}
	if err := l.freshProofs(ctx, sess, u); err != nil {
		return nil, err
	}
	if ok, err := l.d.TOTP.Enrolled(ctx, u.Username); err != nil || ok {
		if err == nil {
			err = ErrTOTPEnrolled
		}
		return nil, err
	}
	switch e, err := l.d.TOTP.Pending(ctx, u.Username, TOTPEnrolOwner(sess)); {
	case err == nil:
		return e, nil
	case !errors.Is(err, ErrTOTPNotEnrolled):
		return nil, err
	}
	e, err := l.d.TOTP.Begin(ctx, u.Username, TOTPEnrolOwner(sess))
	if err != nil {
		return nil, err
	}
	l.obs.Audit(ctx, c, Event{Name: "totp_enrol_started", User: u.Username})
	return e, nil
}

// TOTPPending returns u's enrolment in progress that sess started (to
// show it again), or ErrTOTPNotEnrolled: another session's is never
// shown (docs/contract.md, "Authenticator apps").
func (l *Login) TOTPPending(ctx context.Context, sess *Session, u *User) (*TOTPEnrolment, error) {
	if l.d.TOTP == nil {
		return nil, ErrTOTPUnavailable
	}
	if sess == nil {
		return nil, ErrTOTPNotEnrolled
	}
	return l.d.TOTP.Pending(ctx, u.Username, TOTPEnrolOwner(sess))
}

// TOTPEnrolFinish confirms u's enrolment with a code from the app: the
// secret becomes the account's and sess gains the otp proof (returned
// under its new id). A wrong code counts like any wrong code.
func (l *Login) TOTPEnrolFinish(ctx context.Context, c Client, sess *Session, u *User, code string) (Step, error) {
	if l.d.TOTP == nil {
		return Step{}, ErrTOTPUnavailable
	}
	if err := l.freshProofs(ctx, sess, u); err != nil {
		return Step{}, err
	}
	if err := l.checkBan(ctx, c, u.Username); err != nil {
		return Step{}, err
	}
	code, err := l.appCodeInput(code)
	if err != nil {
		return Step{}, err
	}
	if err := l.checkApp(ctx, c, u.Username, "enrol", l.d.TOTP.Confirm(ctx, u.Username, TOTPEnrolOwner(sess), code)); err != nil {
		return Step{}, err
	}
	if err := l.keepFactor(ctx, sess, u, func(ctx context.Context) error {
		if err := l.d.TOTP.Remove(ctx, u.Username); !errors.Is(err, ErrTOTPNotEnrolled) {
			return err
		}
		return nil // removed already
	}); err != nil {
		return Step{}, err
	}
	l.tellOwner(ctx, u, noticeApp)
	// A new app starts with no wrong codes, ban or lock against it.
	if err := l.factorReplaced(ctx, FactorApp, u.Username); err != nil {
		return Step{}, err
	}
	l.obs.Audit(ctx, c, Event{Name: "totp_enrolled", User: u.Username})
	if err := l.d.Sessions.AddProof(ctx, sess, u, MethodOTP, SignIn{}); err != nil {
		return Step{}, err
	}
	return Step{Session: sess}, nil
}

// TOTPRemove removes the authenticator app of the signed-in user u of
// sess, which takes the same fresh proofs as setting one up, and ends
// u's other sessions that the app signed in.
func (l *Login) TOTPRemove(ctx context.Context, c Client, sess *Session, u *User) error {
	if l.d.TOTP == nil {
		return ErrTOTPUnavailable
	}
	if err := l.freshProofs(ctx, sess, u); err != nil {
		return err
	}
	if err := l.d.TOTP.Remove(ctx, u.Username); err != nil {
		return err
	}
	// As for a passkey: the account's other sessions that the app signed
	// in end with it.
	n, err := l.d.Sessions.RevokeUserWith(ctx, u.Username, MethodOTP, sess.ID)
	l.auditChange(ctx, c, Event{Name: "totp_removed", User: u.Username}, n, err)
	return err
}
