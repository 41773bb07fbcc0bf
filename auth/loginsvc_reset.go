package auth

// The login service's password reset (docs/contract.md, "Password reset").

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
)

// resetKey names a login's reset decoy (resetDecoyTo): by its
// regulation subject (Subject), so that every spelling of one account,
// or of one unknown name, is one name, and both behave alike; as an HMAC
// of it, like every key named after a person's value (docs/contract.md,
// "Store keys"): what was typed (a number a stranger tried, a password
// typed as the name) never shows in a key's name, and whatever its
// length the key is as short.
func (l *Login) resetKey(subject string) string {
	return "reset:" + l.d.OTP.names.name("reset", subject)
}

// askedResetKey names the pending reset that the asker given handle
// asked for subject: a reset is its asker's, so that nobody else's
// request replaces or uses up the code it sent (docs/contract.md,
// "Password reset, step two"). Named like resetKey, after the subject
// and the handle both: a handle finds its reset only with the login it
// was asked for (in any spelling).
func (l *Login) askedResetKey(subject, handle string) string {
	return "reset:" + l.d.OTP.names.name("reset asked", subject+"\x00"+handle)
}

// ResetStart sends a reset code to the account's phone. Unknown accounts
// get the same answer and a decoy that sends nothing. It returns the
// handle of the reset it started, which only its asker holds: step two
// takes it (ResetIn.Handle), so that another's start of a reset of the
// same account, or another's wrong codes, leave this one's code as it
// was (docs/contract.md, "Password reset, step two"). prev is the
// asker's handle from an earlier start, or "": when this start sends
// nothing (a decoy stood in for the account's number), the new handle
// stands for prev's reset, whose code is the last the asker got.
func (l *Login) ResetStart(ctx context.Context, c Client, login, prev string) (string, error) {
	if l.d.Registry == nil || l.d.ResetOff {
		return "", ErrResetUnavailable
	}
	login = strings.TrimSpace(login)
	if login == "" {
		return "", FieldProblem("username", "field.username.required", "Enter your username, email or phone number.")
	}
	u, subject, err := ResolveLogin(ctx, l.d.Users, login, l.d.Region)
	if err != nil {
		return "", err
	}
	// Step two would refuse the code while the subject or the client is
	// banned: nothing is sent (docs/contract.md, "Regulation").
	if err := l.checkBanOf(ctx, c, subject, u != nil, false); err != nil {
		return "", err
	}
	// The asker's own pending reset of this login, if any: asked again,
	// this one continues it (docs/contract.md, "Password reset, step
	// two").
	prior, err := l.pendingReset(ctx, subject, prev)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return "", err
	}
	var ch *Challenge
	stood := false // answered as an unknown name, for an account
	if u != nil && !u.Disabled && u.Phone != "" {
		// From a known device of the account: the number's known-device
		// budget (docs/contract.md, "Known devices").
		budget := l.budgetFrom(c, u)
		known := budget == knownSend
		ch, err = l.startAgain(l.reporting(ctx, c), budget, prior.Challenge, u.Username, u.Phone, PurposeReset)
		switch {
		case err == nil && ch.sendErr != nil:
			// A decoy stood in (OTP.standIn): the asker's pending code,
			// if any, stays, as for the unknown name's.
			l.auditStoodIn(ctx, c, u.Username, ch)
			stood = true
		case err == nil:
			l.obs.Audit(ctx, c, Event{Name: "otp_sent", User: u.Username, Phone: u.Phone, Attrs: []any{"purpose", PurposeReset}, Attempt: !known})
		case !known && PhoneCountry(NormalizeLogin(login, l.d.Region)) == "" && refusedForTheNumber(err):
			// Asked for by name or email: what refused the account's
			// number (its quota, its range's or country's cap) must not
			// tell that the name has one. The answer is the unknown
			// name's, from the counters a name has (docs/contract.md,
			// "Password reset, step one"); nothing is sent.
			l.auditBudget(ctx, c, u.Username, u.Phone, err)
			l.obs.Audit(ctx, c, Event{Name: "otp_send_failed", User: u.Username, Phone: u.Phone, Err: err, Attempt: true})
			ch, err = l.d.OTP.StartDecoy(ctx, l.resetDecoyTo(login, subject), PurposeReset)
			stood = true
		}
	} else {
		ch, err = l.d.OTP.StartDecoy(ctx, l.resetDecoyTo(login, subject), PurposeReset)
	}
	if err != nil {
		return "", err
	}
	pending := askedReset{Challenge: ch.ID}
	if u != nil {
		pending.Gen = u.Generation
	}
	switch {
	case stood && prior.Challenge != "":
		// The asker's pending code stays the one to type: a decoy
		// nothing was sent for must not replace the last code the asker
		// got.
		pending = prior
	case prior.Challenge != "":
		// Replaced, as a resend replaces its code.
		l.d.OTP.Cancel(ctx, prior.Challenge)
	}
	v, err := json.Marshal(pending)
	if err != nil {
		return "", err
	}
	handle, err := RandomToken(32)
	if err != nil {
		return "", err
	}
	if err := l.d.KV.Set(ctx, l.askedResetKey(subject, handle), v, l.CodeTTL()); err != nil {
		return "", err
	}
	return handle, nil
}

// askedReset is what a pending reset's key (askedResetKey) holds: the
// challenge of its code, and the credential generation of the account
// when it was asked for ("" for a decoy's). A change of the account's
// credentials meanwhile (its owner's reset, an administrator's forced
// reset, disable, enable or cleared number) ends it, as it ends a
// set-password link (docs/contract.md, "Password reset, step two").
type askedReset struct {
	Challenge string `json:"c"`
	Gen       string `json:"g,omitempty"`
}

// resetDecoyTo is where the decoy of a reset that sends nothing (login
// names no account, or a disabled one, or one without a number) "sends":
// a number typed is the number itself, so that the decoy takes that
// number's quotas as a real reset to it would (else spending a number's
// quota first, with code-only sign-ins or resets, and then asking a reset
// for it would answer 429 only where an enabled account has it); a name
// is a name of its own, resetKey's for subject (the same for every
// spelling, of a fixed length: the decoy's record never holds what was
// typed).
func (l *Login) resetDecoyTo(login, subject string) string {
	if n := NormalizeLogin(login, l.d.Region); PhoneCountry(n) != "" {
		return n
	}
	return l.resetKey(subject)
}

// ResetIn is the second step of a password reset.
type ResetIn struct {
	Login, Code, Password string
	// Handle is what ResetStart gave the asker: the reset whose code is
	// checked. Without it, or with another asker's, there is no pending
	// reset (ErrOTPExpired).
	Handle string
	// RecoveryCode is one of the account's recovery codes, needed besides
	// the text-message code when ResetNeedsRecovery says so.
	RecoveryCode string
}

// ResetFinish checks the code and sets the new password, ending every
// other session of the account. The client's own session sess, when it
// is a valid one of this account, survives under the new credentials and
// is returned in Step.Session.
func (l *Login) ResetFinish(ctx context.Context, c Client, sess *Session, in ResetIn) (Step, error) {
	if l.d.Registry == nil || l.d.ResetOff {
		return Step{}, ErrResetUnavailable
	}
	login := strings.TrimSpace(in.Login)
	u, subject, err := ResolveLogin(ctx, l.d.Users, login, l.d.Region)
	if err != nil {
		return Step{}, err
	}
	// Only what the password alone shows is checked before the code
	// (length, common passwords, the name typed): checked against the
	// account's email or phone here, it would tell anyone who typed them
	// that they are that account's (docs/contract.md, "Password reset").
	if p := l.d.Policy.Check(in.Password, &User{Username: login}); p.ID != "" {
		return Step{}, &InputError{Problems: map[string]Problem{"password": p}}
	}
	if err := l.checkBanOf(ctx, c, subject, u != nil, false); err != nil {
		return Step{}, err
	}
	pending, err := l.pendingReset(ctx, subject, in.Handle)
	if errors.Is(err, ErrNotFound) {
		return Step{}, ErrOTPExpired
	}
	if err != nil {
		return Step{}, err
	}
	code, err := l.codeInput(in.Code)
	if err != nil {
		return Step{}, err
	}
	var hash string
	_, err = l.d.OTP.VerifyThen(ctx, pending.Challenge, code, func(ch *Challenge) error {
		if u == nil || ch.User != u.Username || ch.Phone != u.Phone {
			return ErrOTPInvalid // another account's, or sent to a number it has left
		}
		if pending.Gen != u.Generation {
			// Asked for under credentials since changed: told only to
			// whoever holds the code.
			return ErrOTPExpired
		}
		// The account's own data, now that the code is proved; a refusal
		// keeps the code for another password.
		if p := l.d.Policy.Check(in.Password, u); p.ID != "" {
			return &InputError{Problems: map[string]Problem{"password": p}}
		}
		// Hashed before the recovery code and the code are spent: a hash
		// refused (its slots busy, which anyone can make them) keeps both
		// for another try (docs/contract.md, "Password reset, step two").
		h, err := l.d.Hasher.Hash(ctx, in.Password)
		if err != nil {
			return err
		}
		if err := l.resetSecondProof(ctx, c, u, in.RecoveryCode); err != nil {
			return err
		}
		hash = h
		return nil
	})
	if errors.Is(err, ErrOTPInvalid) || errors.Is(err, ErrRecoveryCodeInvalid) {
		if _, rerr := l.recordFailurePenalty(ctx, c, subject, u != nil, false); rerr != nil {
			return Step{}, rerr
		}
	}
	if err != nil {
		return Step{}, err
	}
	if sess != nil && (!sess.Authenticated() || sess.User != u.Username || sess.Gen != u.Generation) {
		sess = nil
	}
	step, err := l.setNewPassword(ctx, c, sess, u, subject, hash, "password_reset", ErrOTPExpired)
	if err == nil {
		_, _ = l.d.KV.Delete(ctx, l.askedResetKey(subject, in.Handle))
	}
	return step, err
}

// pendingReset returns the reset the asker of handle asked for subject,
// or ErrNotFound (none: no handle, another login's, or expired).
func (l *Login) pendingReset(ctx context.Context, subject, handle string) (askedReset, error) {
	var pending askedReset
	if handle == "" || len(handle) > maxResetHandle {
		return pending, ErrNotFound
	}
	v, err := l.d.KV.Get(ctx, l.askedResetKey(subject, handle))
	if err != nil {
		return pending, err
	}
	if json.Unmarshal(v, &pending) != nil {
		return pending, ErrNotFound
	}
	return pending, nil
}

// maxResetHandle bounds a handle given back (RandomToken(32) is 43
// characters): a longer one names no reset, unhashed.
const maxResetHandle = 64

// resetSecondProof spends the recovery code a reset of u needs besides
// the text-message code (users.reset.require): after the code, so that
// whether an account needs one tells nobody anything, and before the
// code is spent, so that a missing or wrong one keeps it.
func (l *Login) resetSecondProof(ctx context.Context, c Client, u *User, code string) error {
	if l.d.ResetNeedsRecovery == nil || !l.d.ResetNeedsRecovery(u) {
		return nil
	}
	if l.d.Recovery == nil {
		return ErrRecoveryUnavailable
	}
	if code == "" {
		return FieldProblem("recovery_code", "field.recovery_code.reset", "Your account signs in with two factors: enter one of your recovery codes too.")
	}
	spent, err := l.d.Recovery.Use(ctx, u.Username, code)
	if err != nil {
		return err
	}
	l.auditRecoveryUse(ctx, c, u.Username, spent.Issued, PurposeReset)
	return nil
}
