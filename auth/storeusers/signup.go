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
// permanent (auth.AccountRegistry).
func (b *Backend) Activate(ctx context.Context, username, phone string) error {
	var r *record
	err := b.change(ctx, username, func(rec *record) error {
		if !rec.Pending || rec.Phone != phone {
			// Not the reservation the code was sent for: a code kept
			// alive by resends past its reservation must not make
			// someone else's pending sign-up, with a number nobody
			// proved, an account.
			return auth.ErrUserNotFound
		}
		rec.Pending = false
		r = rec
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range claims(r) {
		if _, err := b.st.Expire(ctx, c[1], auth.Forever); err != nil {
			return fmt.Errorf("storeusers: keep %s: %w", c[0], err)
		}
	}
	return b.list(ctx, r)
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
