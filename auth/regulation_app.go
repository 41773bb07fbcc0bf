package auth

// A second factor's own count of wrong codes (docs/contract.md,
// "Regulation", "Authenticator apps"). A wrong second-factor code counts
// against the account and the client like any wrong code; but the right
// password resets the account's count and a sign-in with the password
// alone ends its run, so whoever has the password could guess the second
// factor's code a few at a time without end. Wrong codes of an
// authenticator app, and text-message codes typed after the account's
// password (or a code-only sign-in's from a known device of it),
// therefore also count against that factor of the account, and a
// code-only sign-in's typed anywhere else against its code-only count
// (FactorCode), and recovery codes typed after the password against the
// account's recovery codes (FactorRecovery), whose runs only the
// factor's right code ends, and whose bans and locks only time, a new
// app or set (FactorReplaced) or an administrator ends.

import (
	"context"
	"fmt"
)

// Factors with a count of their own.
const (
	FactorApp = "app" // the authenticator app's codes
	FactorSMS = "sms" // text-message codes typed after the password, or from a known device
	// FactorCode counts an account's code-only sign-in codes typed
	// where nothing proved its password (docs/contract.md, "Account
	// lock"): anyone can cause its ban, which therefore holds only
	// such codes, never a browser that signed in as the account.
	FactorCode = "code"
	// FactorRecovery counts an account's recovery codes typed after its
	// password (docs/contract.md, "Recovery codes"): 60 bits each, under
	// the 64 below which NIST SP 800-63B asks that guesses be limited.
	FactorRecovery = "recovery"
)

// countedFactors are every factor with a count of its own.
var countedFactors = [...]string{FactorApp, FactorSMS, FactorCode, FactorRecovery}

// factorKey names the counters of user's factor, keyed under a label of
// their own, so that no login typed names them.
func (r *Regulator) factorKey(factor, user string) string { return "u:" + r.names.name(factor, user) }

// CheckFactor returns a RateLimitError matching ErrBanned (Reason
// ReasonLocked or ReasonBanned) while user's factor (FactorApp,
// FactorSMS, FactorCode, FactorRecovery) is locked or banned, nil otherwise. Store failures are
// returned: callers fail closed.
func (r *Regulator) CheckFactor(ctx context.Context, factor, user string) error {
	return r.checkAll(ctx, lockChecks(r.factorKey(factor, user)))
}

// FailFactor counts a wrong code of user's factor: a ban of its codes
// for ban_time at max_failures within find_time, a lock for
// account_lock_time at max_account_failures in a row. Neither the right
// password nor a sign-in without the factor forgets them. The client is
// counted with the account (Fail), not here.
func (r *Regulator) FailFactor(ctx context.Context, factor, user string) (Penalty, error) {
	p, err := r.failCounter(ctx, r.factorKey(factor, user), subjectLabel(ShownSubject(user, true)), "")
	p.LastTry = false // told of by the account's count, which this one follows
	return p, err
}

// FactorSucceeded forgets the wrong codes of user's factor (not a ban or
// lock, which hold even against the right code): the factor's right code
// was given.
func (r *Regulator) FactorSucceeded(ctx context.Context, factor, user string) error {
	return r.forgetCounts(ctx, r.factorKey(factor, user))
}

// FactorReplaced ends the ban and lock of user's factor and forgets its
// wrong codes: a new authenticator app or set of recovery codes was
// made, which takes every factor of the account fresh, and guesses at
// the old one tell nothing of the new (docs/contract.md, "Authenticator
// apps", "Recovery codes"). Kept, the old one's lock refused the new
// one's right codes for up to account_lock_time.
func (r *Regulator) FactorReplaced(ctx context.Context, factor, user string) error {
	for _, key := range counterKeys(r.factorKey(factor, user)) {
		if _, err := r.store.Delete(ctx, key); err != nil {
			return fmt.Errorf("regulation: factor replaced: %w", err)
		}
	}
	return nil
}
