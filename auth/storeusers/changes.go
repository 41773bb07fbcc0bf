package storeusers

import (
	"context"
	"fmt"
	"strings"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// Changes to an active account: each change of the password, phone or
// disabled flag gives it a new credential generation, which ends the
// sessions made before (docs/contract.md, "Sessions end when credentials
// change").

// SetPassword replaces an active user's password hash, ending the
// sessions made with the old one (a new credential generation).
func (b *Backend) SetPassword(ctx context.Context, username, hash string) error {
	return b.update(ctx, username, func(r *record) error {
		r.Password = hash
		return r.newGeneration()
	})
}

// UpgradeHash replaces the hash of a password that did not change (a
// stronger hash of it, after a login), keeping the credential generation:
// sessions are not ended. It does nothing when the stored hash is no
// longer old (the password changed meanwhile).
func (b *Backend) UpgradeHash(ctx context.Context, username, old, hash string) error {
	return b.update(ctx, username, func(r *record) error {
		if r.Password != old {
			return nil
		}
		r.Generation = r.generation() // a derived one must not change with the hash
		r.Password = hash
		return nil
	})
}

// SetDisabled disables or enables an account; a change ends its sessions
// (a new credential generation), and they stay ended when it is enabled
// again.
func (b *Backend) SetDisabled(ctx context.Context, username string, disabled bool) error {
	return b.update(ctx, username, func(r *record) error {
		if r.Disabled == disabled {
			return nil
		}
		r.Disabled = disabled
		return r.newGeneration()
	})
}

// SetPhone moves an account to a new phone number (E.164), which must not
// belong to another account.
func (b *Backend) SetPhone(ctx context.Context, username, phone string) error {
	r, err := b.get(ctx, username)
	if err != nil {
		return err
	}
	if r.Phone == phone {
		return nil
	}
	return b.swapClaim(ctx, r.Username, "phone", phoneKey, r.Phone, phone, func() error {
		r.Phone = phone
		r.PhoneUnproved = false // a new number is proved before it is set, none needs no proof
		if err := r.newGeneration(); err != nil {
			return err
		}
		return b.put(ctx, r, auth.Forever)
	})
}

// SetEmail gives an active account the email an administrator vouches
// for (lower-cased; it must not belong to another account): setting it,
// even to the email the account has, clears auth.User.EmailUnverified
// (docs/contract.md, "Sign-up"). Sessions are left alone: the email is
// no credential.
func (b *Backend) SetEmail(ctx context.Context, username, email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	r, err := b.get(ctx, username)
	if err != nil {
		return err
	}
	if r.Pending {
		return auth.ErrUserNotFound
	}
	return b.swapClaim(ctx, r.Username, "email", emailKey, r.Email, email, func() error {
		r.Email, r.EmailUnverified = email, false
		return b.put(ctx, r, auth.Forever)
	})
}

// swapClaim moves username's claim on field (an email's or a phone's,
// named by key) from prev to next: it claims next (unless empty or prev),
// a ConflictError when another account holds it, runs write, then frees
// prev. When write fails it frees next again, unless the record may hold
// it all the same (a write that timed out may have been done): kept, the
// claim would hold the value for good for an account that does not have
// it.
func (b *Backend) swapClaim(ctx context.Context, username, field string, key func(string) string, prev, next string, write func() error) error {
	claimed := next != "" && next != prev
	if claimed {
		ok, err := b.st.SetNX(ctx, key(next), []byte(username), auth.Forever)
		if err != nil {
			return fmt.Errorf("storeusers: claim %s: %w", field, err)
		}
		if !ok {
			return &auth.ConflictError{Field: field}
		}
	}
	if err := write(); err != nil {
		if ctx := context.WithoutCancel(ctx); claimed && !b.holds(ctx, username, field, next) {
			_, _ = b.st.Delete(ctx, key(next)) // the write's error is the one to report
		}
		return err
	}
	if prev != "" && prev != next {
		if _, err := b.st.Delete(ctx, key(prev)); err != nil {
			return fmt.Errorf("storeusers: release old %s: %w", field, err)
		}
	}
	return nil
}

// holds reports whether username's record may hold value as its field
// ("email" or "phone"): true unless it was read and does not.
func (b *Backend) holds(ctx context.Context, username, field, value string) bool {
	r, err := b.get(ctx, username)
	if err != nil {
		return true
	}
	switch field {
	case "email":
		return r.Email == value
	case "phone":
		return r.Phone == value
	}
	return true
}

func (b *Backend) update(ctx context.Context, username string, f func(*record) error) error {
	r, err := b.get(ctx, username)
	if err != nil {
		return err
	}
	if r.Pending {
		return auth.ErrUserNotFound
	}
	if err := f(r); err != nil {
		return err
	}
	return b.put(ctx, r, auth.Forever)
}

// PhoneProved records that an account's phone number received a code
// that came back (an administrator gave it: auth.User.PhoneUnproved).
// The credential generation is kept: nothing about the sign-in changed.
func (b *Backend) PhoneProved(ctx context.Context, username, phone string) error {
	return b.update(ctx, username, func(r *record) error {
		if r.Phone == phone {
			r.PhoneUnproved = false
		}
		return nil
	})
}
