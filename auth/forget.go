package auth

import (
	"context"
	"errors"
)

// Forget removes from the store everything an account proves itself with
// or is held by, besides its record: its sessions, authenticator app,
// passkeys, recovery codes (its own set and any an administrator issued)
// and bans, so that an account later made under the same name inherits
// none of it (docs/contract.md, "Admin console"), and nothing of the
// account outlives it for long (only the issue epoch that kills its
// issued codes, IssuedCodeTTL). It works whatever
// features are on: an app or keys left while totp or passkeys were off
// would come back with them. The one place both deletes (the console's
// and `gatehouse user delete`) go through.
type Forget struct {
	Store    Store
	Sessions *Sessions
	// DeriveKey names the store keys as the gateway does
	// (Signer.DeriveKey).
	DeriveKey func(purpose string) []byte
	// Regulator holds the bans; nil when regulation is off.
	Regulator *Regulator
}

// Account forgets user and returns how many sessions it ended.
func (f *Forget) Account(ctx context.Context, user string) (int, error) {
	n, err := f.Sessions.RevokeUser(ctx, user, "")
	if err != nil {
		return n, err
	}
	if idx, ok := f.Store.(SortedIndex); ok {
		// No session left: off the console's list of users who signed in.
		if err := idx.ZRem(ctx, signedInKey, user); err != nil {
			return n, err
		}
	}
	if _, _, err := f.Factors(ctx, user); err != nil {
		return n, err
	}
	if err := NewRecovery(f.Store, f.DeriveKey("recovery"), nil).Forget(ctx, user); err != nil {
		return n, err
	}
	if f.Regulator != nil {
		if _, err := f.Regulator.Lift(ctx, user, ""); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Factors removes user's authenticator app and passkeys (as
// `gatehouse user reset-2fa` does), whatever features are on, and reports
// whether there was an app and how many keys.
func (f *Forget) Factors(ctx context.Context, user string) (app bool, keys int, err error) {
	switch err := forgetTOTP(ctx, f.Store, f.DeriveKey("totp"), user); {
	case err == nil:
		app = true
	case !errors.Is(err, ErrTOTPNotEnrolled):
		return false, 0, err
	}
	pk := &Passkeys{kv: f.Store, names: keyNamer{key: requireKey("Forget", f.DeriveKey("passkey"))}, clock: SystemClock{}}
	keys, err = pk.RemoveAll(ctx, user)
	return app, keys, err
}

// ResetFactors is `gatehouse user reset-2fa` past the phone: it removes
// user's authenticator app and passkeys (Factors), voids its recovery
// codes (its own set, and any code issued before: the one reset-2fa then
// issues is the way back), and ends every session of user, which a
// removed app or key may have signed in (docs/contract.md, "Recovery
// codes"), and ends the ban and lock of each second factor (not the
// account's own, which the password answers for). Clearing a phone ends them by changing the credential
// generation; for an account without one nothing else would: a stolen
// key's session would outlive the key. A set is a second factor like the
// others, and may be in the same hands: kept, its codes signed in after
// the password and bound the holder's number to the account left
// without one. codes reports whether the account had a set.
//
// The sessions are ended before the removals too, as a delete's are
// (Account): a factor that a session in flight adds (Login.keepFactor)
// is then either written before the removals, which find it, or after
// the end, which its own check finds, and it is taken away again.
// Ended only after them, a thief's key written in between outlived
// reset-2fa on an account without a phone, whose credential generation
// does not change (docs/contract.md, "Recovery codes").
func (f *Forget) ResetFactors(ctx context.Context, user string) (app bool, keys int, codes bool, err error) {
	if _, err = f.Sessions.RevokeUser(ctx, user, ""); err != nil {
		return false, 0, false, err
	}
	if app, keys, err = f.Factors(ctx, user); err != nil {
		return app, keys, false, err
	}
	rec := NewRecovery(f.Store, f.DeriveKey("recovery"), nil)
	st, err := rec.Status(ctx, user)
	if err != nil {
		return app, keys, false, err
	}
	// From the codes' removal to the sessions' end, as the console's void.
	lease, work, err := rec.lock(ctx, user, voidLock)
	if err != nil {
		return app, keys, false, err
	}
	defer func() { err = lease.Done(err) }()
	if err := lease.Write(work, func(ctx context.Context) error { return rec.Forget(ctx, user) }); err != nil {
		return app, keys, false, err
	}
	// Ends made even once the lease is lost, as the console's void's.
	if f.Regulator != nil {
		// Every second factor is gone: the bans and locks of the old ones
		// would refuse the code reset-2fa issues and the new ones.
		for _, factor := range countedFactors {
			if err := f.Regulator.FactorReplaced(ctx, factor, user); err != nil {
				return app, keys, false, err
			}
		}
	}
	if _, err = f.Sessions.RevokeUser(ctx, user, ""); err != nil {
		return app, keys, st.Made, err
	}
	// As the console's void: a set made while the lock had lapsed would
	// outlive it.
	return app, keys, st.Made, lease.heldThrough(ctx)
}
