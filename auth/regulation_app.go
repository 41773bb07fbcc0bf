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
	"fmt"
)

// appKey names the counters of user's authenticator-app codes, keyed
// under a label of their own, so that no login typed names them.
func (r *Regulator) appKey(user string) string { return "u:" + r.names.name("app", user) }

// appCounters are the store keys of user's app codes' counts, ban and
// lock.
func (r *Regulator) appCounters(user string) []string {
	ak := r.appKey(user)
	return []string{"reg:lock:" + ak, "reg:ban:" + ak, "reg:n:" + ak, "reg:a:" + ak}
}

// CheckApp returns a RateLimitError matching ErrBanned (Reason
// ReasonLocked or ReasonBanned) while user's app codes are locked or
// banned, nil otherwise. Store failures are returned: callers fail
// closed.
func (r *Regulator) CheckApp(ctx context.Context, user string) error {
	ak := r.appKey(user)
	return r.checkAll(ctx, []check{{"reg:lock:" + ak, ReasonLocked}, {"reg:ban:" + ak, ReasonBanned}})
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
	ak := r.appKey(user)
	for _, key := range []string{"reg:n:" + ak, "reg:a:" + ak} {
		if _, err := r.store.Delete(ctx, key); err != nil {
			return fmt.Errorf("regulation: reset: %w", err)
		}
	}
	return nil
}
