package auth

// The login service's side of the second factors' own counts
// (docs/contract.md, "Account lock"): which factor a wrong code counts
// against, checking and recording it, and forgetting it when the factor
// proves itself.

import (
	"context"
	"errors"
	"time"
)

// checkFactorBan refuses user's codes of factor (FactorApp, FactorSMS,
// FactorCode, FactorRecovery) while they are banned or locked
// (Regulator.CheckFactor), the right one too.
func (l *Login) checkFactorBan(ctx context.Context, c Client, factor, user string) error {
	if l.d.Regulator == nil {
		return nil
	}
	err := l.d.Regulator.CheckFactor(ctx, factor, user)
	var rl *RateLimitError
	if errors.As(err, &rl) && rl.Banned {
		l.obs.Audit(ctx, c, Event{Name: "login_failed", User: user, Attrs: []any{"reason", rl.Reason, "factor", factorMethod(factor)}})
	}
	return err
}

// recordFactorFailure counts a wrong code against user's factor, which
// neither the right password nor a sign-in without the factor forgets
// (docs/contract.md, "Regulation"), and audits a new ban or lock of it.
func (l *Login) recordFactorFailure(ctx context.Context, c Client, factor, user string) error {
	if l.d.Regulator == nil {
		return nil
	}
	p, err := l.d.Regulator.FailFactor(ctx, factor, user)
	l.auditPenalty(ctx, c, p, user, []any{"factor", factorMethod(factor)}, false, false)
	return err
}

// factorSucceeded tells regulation that user's factor gave its right
// code: its wrong codes are forgotten.
func (l *Login) factorSucceeded(ctx context.Context, factor, user string) error {
	if l.d.Regulator == nil {
		return nil
	}
	return l.d.Regulator.FactorSucceeded(ctx, factor, user)
}

// factorReplaced tells regulation that user's factor was replaced by a
// new one (an app set up, a set of recovery codes made): the old one's
// ban, lock and wrong codes are forgotten (Regulator.FactorReplaced).
func (l *Login) factorReplaced(ctx context.Context, factor, user string) error {
	if l.d.Regulator == nil {
		return nil
	}
	return l.d.Regulator.FactorReplaced(ctx, factor, user)
}

// factorMethod is the sign-in method (audit's "factor") of factor.
func factorMethod(factor string) string {
	switch factor {
	case FactorApp:
		return MethodOTP
	case FactorRecovery:
		return MethodRecovery
	}
	return MethodSMS
}

// codeFactor is the factor whose count a wrong code of the sign-in p,
// pending in sess, counts against besides the account and the client
// (docs/contract.md, "Account lock"), "" for none (a sign-up's, a
// reset's, a decoy's). Each is one the password does not forget:
// FactorSMS for a code typed after the account's password (or a
// user-verified passkey, which stands in for it) or from a known device
// of the account (whose browser signed in with it before: its holder
// has the password), FactorCode for a code-only sign-in's anywhere
// else. Counted against the account alone, the right password forgot
// them and a sign-in with it alone ended their run (the known device's
// too), so whoever had the password guessed the code without end.
func (l *Login) codeFactor(ctx context.Context, c Client, sess *Session, p *Pending) (string, error) {
	switch {
	case p == nil || p.Purpose != PurposeLogin || p.User == "":
		return "", nil
	case sess != nil && sess.User == p.User && sess.Satisfies(MethodPassword, time.Time{}):
		return FactorSMS, nil
	}
	id, err := l.deviceFor(ctx, c, p.User, true, false)
	switch {
	case err != nil:
		return "", err
	case id != "":
		return FactorSMS, nil
	}
	return FactorCode, nil
}

// checkCodeBan refuses the codes of the sign-in p pending in sess (and
// sends for it) while the factor its wrong codes count against
// (codeFactor) is banned or locked; it says which factor that is.
func (l *Login) checkCodeBan(ctx context.Context, c Client, sess *Session, p *Pending) (string, error) {
	factor, err := l.codeFactor(ctx, c, sess, p)
	if err != nil || factor == "" {
		return factor, err
	}
	return factor, l.checkFactorBan(ctx, c, factor, p.User)
}

// smsProved tells regulation that user's text-message code came back
// right: the wrong codes of both its counts are forgotten.
func (l *Login) smsProved(ctx context.Context, user string) error {
	if err := l.factorSucceeded(ctx, FactorSMS, user); err != nil {
		return err
	}
	return l.factorSucceeded(ctx, FactorCode, user)
}
