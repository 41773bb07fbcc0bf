package auth

// An authenticator app's own count of wrong codes (docs/contract.md,
// "Regulation", "Authenticator apps"). A wrong app code counts against
// the account and the client like any wrong code; but the right password
// resets the account's count and a sign-in with the password alone ends
// its run, so whoever has the password could guess the app's code a few
// at a time without end. Wrong app codes therefore also count against
// the account's app, whose ban and lock only time, the app's right code,
// a new app or an administrator ends.

import (
	"context"
)

// appKey names the counters of user's authenticator-app codes, keyed
// under a label of their own, so that no login typed names them.
func (r *Regulator) appKey(user string) string { return "u:" + r.names.name("app", user) }

// CheckApp returns a RateLimitError matching ErrBanned (Reason
// ReasonLocked or ReasonBanned) while user's app codes are locked or
// banned, nil otherwise. Store failures are returned: callers fail
// closed.
func (r *Regulator) CheckApp(ctx context.Context, user string) error {
	return r.checkAll(ctx, lockChecks(r.appKey(user)))
}

// FailApp counts a wrong app code of user against the account's app: a
// ban of its codes for ban_time at max_failures within find_time, a lock
// for account_lock_time at max_account_failures in a row. Neither the
// right password nor a sign-in without the app's code forgets them. The
// client is counted with the account (Fail), not here.
func (r *Regulator) FailApp(ctx context.Context, user string) (Penalty, error) {
	var p Penalty
	ak := r.appKey(user)
	label := subjectLabel(ShownSubject(user, true))
	banned, _, err := r.count(ctx, ak, label, r.cfg.MaxFailures)
	if err != nil {
		return p, err
	}
	p.Banned, p.SubjectBanned = banned, banned
	p.Locked, err = r.countInARow(ctx, ak, label)
	return p, err
}

// AppSucceeded forgets the wrong app codes of user (not a ban or lock,
// which hold even against the right code): the app's right code was
// given, or a new app set up.
func (r *Regulator) AppSucceeded(ctx context.Context, user string) error {
	return r.forgetCounts(ctx, r.appKey(user))
}
