package auth

// A known device's own count of failures (docs/contract.md, "Known
// devices"). An attempt at an account from a browser that carries that
// account's known-device cookie is judged by the device's ban and lock
// instead of the account's, which anyone who knows the name can cause;
// its failures count against the device instead of the account, with the
// same limits, so a stolen cookie buys no more guesses than the account
// itself allows. The client address is banned and counted as ever: only
// a sprayer sharing the address can cause its ban, and a known device of
// one account must not free a sprayer's address.

import "context"

// deviceKey names the counters of the known device id, under a label of
// their own, so that no login typed names them. Like a subject's, they
// sit under "u:", so the console lists and lifts a device's ban as it
// does an account's.
func (r *Regulator) deviceKey(id string) string { return "u:" + r.names.name("device", id) }

// DeviceLabel is what the console's list of bans shows for a ban of a
// known device of user.
func DeviceLabel(user string) string { return user + " (a known device)" }

// CheckDevice returns a RateLimitError matching ErrBanned (Reason
// ReasonLocked or ReasonBanned) while the known device id is locked or
// banned, or the client ip is banned, nil otherwise. An IPv6 client's
// /48's ban does not hold a known device (docs/contract.md,
// "Regulation"): anyone of the site can cause it, and the device tries
// only its own account, with a count of its own. Store failures are
// returned: callers fail closed.
func (r *Regulator) CheckDevice(ctx context.Context, id, ip string) error {
	return r.checkAll(ctx, append(lockChecks(r.deviceKey(id)), r.clientChecks(ip, false)...))
}

// FailDevice counts a failure of the known device id of user, and of the
// client ip: a ban of the device for ban_time at max_failures within
// find_time, a lock for account_lock_time at max_account_failures in a
// row; the client as Fail counts it.
func (r *Regulator) FailDevice(ctx context.Context, id, user, ip string) (Penalty, error) {
	return r.failCounter(ctx, r.deviceKey(id), subjectLabel(DeviceLabel(ShownSubject(user, true))), ip)
}

// DeviceSignedIn forgets the failures of the known device id (not a ban
// or lock) after a completed sign-in from it.
func (r *Regulator) DeviceSignedIn(ctx context.Context, id string) error {
	return r.forgetCounts(ctx, r.deviceKey(id))
}
