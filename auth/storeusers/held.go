package storeusers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// The names of deleted accounts (docs/contract.md, "Names of deleted
// accounts"). The apps behind the gateway know a person by the username
// (X-Auth-User, the assertion's sub) and keep their data under it, so a
// name freed by a delete and taken by someone else hands them the
// deleted person's data. A delete therefore leaves in the account's
// record key a hold (holdOf): a record that is no account, kept for good
// (about a hundred bytes; an app's data lives as long). The key being the
// record's own, a sign-up's SetNX of the name fails on it as on an
// account, in one step, on any store (a Redis Cluster included: one
// key); only an administrator's create that says so (reuse) takes it,
// by a compare-and-set from the hold. The hold is written by a
// compare-and-set of the record, which a failover's replay writes
// again where the record is still the deleted account's, as any record
// change (docs/contract.md, "Failover durability").

// holdOf is the stored record that holds username once its account is
// deleted. It is disabled, without password or phone, under a credential
// generation of its own, so that a replica of an earlier version, which
// knows no hold and reads it as an account, refuses it everything
// (docs/operations.md, "Upgrading a fleet").
func holdOf(username string) ([]byte, error) {
	h := &record{Username: username, Disabled: true, Held: true, Deleted: time.Now().Unix()}
	if err := h.newGeneration(); err != nil {
		return nil, err
	}
	if err := h.stamp(); err != nil {
		return nil, err
	}
	return json.Marshal(h) //nolint:gosec // a hold has no password hash
}

// NameHeld reports whether username belonged to a deleted account
// (auth.UserRegistry).
func (b *Backend) NameHeld(ctx context.Context, username string) (bool, error) {
	r, _, err := b.readAny(ctx, username)
	switch {
	case errors.Is(err, auth.ErrUserNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return r.Held, nil
}

// Delete removes an account for good, its name held (holdOf): its email
// and phone are freed, its record becomes the name's hold in one
// compare-and-set (read again and done again when a change of the
// account landed in between, so that the claims of the record replaced
// are the ones freed), and it leaves the lists. A pending sign-up holds
// nothing: it was never an account. auth.ErrUserNotFound when there is
// no account of that name (a held name included).
func (b *Backend) Delete(ctx context.Context, username string) error {
	for range maxSwaps {
		r, old, err := b.read(ctx, username)
		if err != nil {
			return err
		}
		if r.Pending {
			return b.remove(ctx, r, old)
		}
		// The claims first: a failure leaves the account, which a second
		// delete finishes.
		if err := b.unclaim(ctx, r); err != nil {
			return err
		}
		hold, err := holdOf(r.Username)
		if err != nil {
			return err
		}
		ok, err := b.st.CompareAndSwap(ctx, recKey(username), old, hold, auth.Forever)
		if err != nil {
			return fmt.Errorf("storeusers: delete: %w", err)
		}
		if ok {
			return b.unlist(ctx, r)
		}
	}
	return fmt.Errorf("storeusers: delete: %w", auth.ErrRecordContended)
}

// claimName writes v, the record of a new account or sign-up, under
// username for ttl: with SetNX on a free name; on a held one only when
// reuse says so, by a compare-and-set from the hold; else a
// *auth.ConflictError (Held for a held name). It returns what gives the
// name back if the rest of the create fails (the record deleted, or the
// hold written back over it, each only while the key still holds v),
// and whether the name was held.
func (b *Backend) claimName(ctx context.Context, username string, v []byte, ttl time.Duration, reuse bool) (unclaim func(context.Context), reused bool, err error) {
	key := recKey(username)
	for range maxSwaps {
		ok, err := b.st.SetNX(ctx, key, v, ttl)
		if err != nil {
			return nil, false, fmt.Errorf("storeusers: claim username: %w", err)
		}
		if ok {
			// Deleted only while it is still v: a hold written over the
			// reservation meanwhile (Hold) stays.
			return func(ctx context.Context) { _, _ = b.st.CompareAndDelete(ctx, key, v) }, false, nil
		}
		cur, old, err := b.readAny(ctx, username)
		switch {
		case errors.Is(err, auth.ErrUserNotFound):
			continue // gone meanwhile (a sign-up expired): claim it again
		case err != nil:
			return nil, false, err
		case !cur.Held:
			return nil, false, &auth.ConflictError{Field: "username"}
		case !reuse:
			return nil, false, &auth.ConflictError{Field: "username", Held: true}
		}
		if ok, err = b.st.CompareAndSwap(ctx, key, old, v, ttl); err != nil {
			return nil, false, fmt.Errorf("storeusers: claim username: %w", err)
		}
		if ok {
			return func(ctx context.Context) { _, _ = b.st.CompareAndSwap(ctx, key, v, old, auth.Forever) }, true, nil
		}
	}
	return nil, false, fmt.Errorf("storeusers: claim username: %w", auth.ErrRecordContended)
}

// Hold holds username as a delete does, for a name deleted before names
// were held (`gatehouse user hold-deleted`; docs/contract.md, "Names of
// deleted accounts"), and reports whether it did: not for a name an
// account has or one already held. A pending sign-up of the name is
// replaced by the hold (its code then activates nothing): taking a
// deleted person's name is what the hold is for.
func (b *Backend) Hold(ctx context.Context, username string) (bool, error) {
	hold, err := holdOf(username)
	if err != nil {
		return false, err
	}
	key := recKey(username)
	for range maxSwaps {
		ok, err := b.st.SetNX(ctx, key, hold, auth.Forever)
		if err != nil || ok {
			return ok, err
		}
		cur, old, err := b.readAny(ctx, username)
		switch {
		case errors.Is(err, auth.ErrUserNotFound):
			continue // gone meanwhile: hold it again
		case err != nil:
			return false, err
		case !cur.Pending:
			return false, nil // an account, or held already
		}
		if ok, err = b.st.CompareAndSwap(ctx, key, old, hold, auth.Forever); err != nil || ok {
			if ok {
				err = b.unclaim(ctx, cur)
			}
			return ok, err
		}
	}
	return false, fmt.Errorf("storeusers: hold: %w", auth.ErrRecordContended)
}
