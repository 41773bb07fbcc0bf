package storeusers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// Sign-ups (docs/contract.md, "Sign-up"): a pending account, claimed
// for a while, made an account once its code came back, or released.

// Reserve creates a pending sign-up that expires after ttl unless
// activated.
func (b *Backend) Reserve(ctx context.Context, u *auth.User, ttl time.Duration) error {
	if err := validUser(u); err != nil {
		return err
	}
	r, err := fromUser(u, true)
	if err != nil {
		return err
	}
	var ce *auth.ConflictError
	if _, err := b.create(ctx, r, ttl, false); errors.As(err, &ce) && ce.Held {
		// A sign-up is answered for a held name as for a taken one.
		return &auth.ConflictError{Field: ce.Field}
	} else if err != nil {
		return err
	}
	return nil
}

// Pending returns a pending (unverified) account.
func (b *Backend) Pending(ctx context.Context, username string) (*auth.User, error) {
	r, err := b.get(ctx, username)
	if err != nil {
		return nil, err
	}
	if !r.Pending {
		return nil, auth.ErrUserNotFound
	}
	return r.user(), nil
}

// Activate makes the pending account username, reserved with phone,
// permanent (auth.AccountRegistry). What the account needs besides its
// record is written first, the record last (docs/contract.md,
// "Sign-up"): its claims kept for good (keep), then its entries in the
// lists, which skip a pending record. An activation that fails half-way
// so leaves the sign-up pending, which the next try activates whole or
// which expires; what it kept gives way (a claim naming no account is
// stale, a list entry of no account is skipped). Written active first,
// a failure left an account whose claims expired with the reservation
// and which no retry could finish, the record no longer pending.
func (b *Backend) Activate(ctx context.Context, username, phone string) error {
	r, err := b.get(ctx, username)
	if err != nil {
		return err
	}
	if !reserved(r, phone) {
		return auth.ErrUserNotFound
	}
	for _, c := range claims(r) {
		if err := b.keep(ctx, c[0], c[1], r.Username); err != nil {
			return err
		}
	}
	if err := b.list(ctx, r); err != nil {
		return err
	}
	return b.change(ctx, username, func(rec *record) error {
		if !reserved(rec, phone) || rec.Write != r.Write {
			// Not the reservation whose claims were kept (one
			// replaced meanwhile: a hold, another sign-up).
			return auth.ErrUserNotFound
		}
		rec.Pending = false
		return nil
	})
}

// reserved reports whether r is the pending sign-up a code sent to
// phone may activate. Another (a code kept alive by resends past its
// reservation) must not make someone else's pending sign-up, with a
// number nobody proved, an account.
func reserved(r *record, phone string) bool {
	return r.Pending && r.Phone == phone
}

// keep makes key, field's claim reserved for username, its claim for
// good: extended where it still names username, claimed again where it
// is gone (expired, or lost in a failover), refused (a ConflictError)
// where another account holds it.
func (b *Backend) keep(ctx context.Context, field, key, username string) error {
	holder, err := b.st.Get(ctx, key)
	switch {
	case err == nil && string(holder) == username:
		ok, err := b.st.Expire(ctx, key, auth.Forever)
		if err != nil || ok {
			if err != nil {
				err = fmt.Errorf("storeusers: keep %s: %w", field, err)
			}
			return err
		}
	case err != nil && !errors.Is(err, auth.ErrNotFound):
		return fmt.Errorf("storeusers: keep %s: %w", field, err)
	}
	ok, err := b.claim(ctx, field, key, username, auth.Forever)
	if err != nil {
		return fmt.Errorf("storeusers: keep %s: %w", field, err)
	}
	if !ok {
		return &auth.ConflictError{Field: field}
	}
	return nil
}

// Release deletes a pending account and its claims.
func (b *Backend) Release(ctx context.Context, username string) error {
	r, old, err := b.read(ctx, username)
	if errors.Is(err, auth.ErrUserNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if !r.Pending {
		return nil
	}
	return b.remove(ctx, r, old)
}

// remove deletes a pending record r, read as old, then its claims and
// its entries in the lists (a deleted account's name is held instead:
// Delete). The record is deleted only while it still holds old: one
// activated, or replaced by a hold (Hold), meanwhile is no longer the
// pending one, and nothing of it is freed.
func (b *Backend) remove(ctx context.Context, r *record, old []byte) error {
	ok, err := b.st.CompareAndDelete(ctx, recKey(r.Username), old)
	if err != nil {
		return fmt.Errorf("storeusers: delete: %w", err)
	}
	if !ok {
		return nil
	}
	if err := b.unclaim(ctx, r); err != nil {
		return err
	}
	return b.unlist(ctx, r)
}
