package storeusers

import (
	"context"
	"encoding/json"
	"errors"
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

// SetPasswordIf is SetPassword made only while the account is enabled and
// its credential generation is gen, decided in the compare-and-set that
// writes it: a password chosen with a reset code or a set-password link,
// or on the account page, checked against those credentials, is never
// written over a change of them that landed while it was hashed (another
// password or phone, a disable, a forced reset, the account deleted and
// its name given again; docs/contract.md, "Sessions end when credentials
// change"). It returns the credential generation it wrote.
// auth.ErrCredentialsChanged otherwise, or auth.ErrUserNotFound for an
// account gone.
func (b *Backend) SetPasswordIf(ctx context.Context, username, gen, hash string) (string, error) {
	var written string
	err := b.update(ctx, username, func(r *record) error {
		if r.Disabled || r.generation() != gen {
			return auth.ErrCredentialsChanged
		}
		r.Password = hash
		err := r.newGeneration()
		written = r.generation()
		return err
	})
	return written, err
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
// belong to another account: one its person proved (a code to it came
// back on the account page), or none.
func (b *Backend) SetPhone(ctx context.Context, username, phone string) error {
	return b.setPhone(ctx, username, phone, false)
}

// AssignPhone is SetPhone of a number an administrator gives (`gatehouse
// user set-phone`): nobody proved it, so it counts as unproved
// (auth.User.PhoneUnproved) until a code sent to it comes back after the
// account's password, as the number of an account an administrator
// creates (docs/contract.md, "Command line"). The number the account had
// stays as it was, proved or not.
func (b *Backend) AssignPhone(ctx context.Context, username, phone string) error {
	return b.setPhone(ctx, username, phone, phone != "")
}

// SetPhoneIf is SetPhone made only while the account is enabled and its
// credential generation is gen, decided in the compare-and-set that
// writes it: a move checked against those credentials (its session still
// signed in under them) is never written over a change of them that
// landed since (the owner's reset, an administrator's cleared number or
// disable, the account deleted and its name given again;
// docs/contract.md, "Sessions end when credentials change"). It
// returns the credential generation the account has once moved (gen
// when it had phone already). auth.ErrCredentialsChanged otherwise, or
// auth.ErrUserNotFound for an account gone.
func (b *Backend) SetPhoneIf(ctx context.Context, username, gen, phone string) (string, error) {
	var written string
	err := b.swapClaim(ctx, username, "phone", phoneKey, phone, func(r *record) (string, error) {
		if r.Pending || r.Disabled || r.generation() != gen {
			return "", auth.ErrCredentialsChanged
		}
		prev, err := movePhone(r, phone, false)
		written = r.generation()
		return prev, err
	})
	return written, err
}

// setPhone moves username to phone, marked unproved or not.
func (b *Backend) setPhone(ctx context.Context, username, phone string, unproved bool) error {
	return b.swapClaim(ctx, username, "phone", phoneKey, phone, func(r *record) (string, error) {
		return movePhone(r, phone, unproved)
	})
}

// movePhone gives r the number phone, marked unproved or not, and a new
// credential generation, and returns the number it had (errUnchanged
// when it had phone already).
func movePhone(r *record, phone string, unproved bool) (string, error) {
	prev := r.Phone
	if prev == phone {
		return prev, errUnchanged
	}
	r.Phone = phone
	r.PhoneUnproved = unproved
	return prev, r.newGeneration()
}

// SetEmail gives an active account the email an administrator vouches
// for (lower-cased; it must not belong to another account): setting it,
// even to the email the account has, clears auth.User.EmailUnverified
// (docs/contract.md, "Sign-up"). Sessions are left alone: the email is
// no credential.
func (b *Backend) SetEmail(ctx context.Context, username, email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	return b.swapClaim(ctx, username, "email", emailKey, email, func(r *record) (string, error) {
		if r.Pending {
			return "", auth.ErrUserNotFound
		}
		prev := r.Email
		if !vouches(r, prev) {
			prev = "" // it claimed nothing (claims)
		}
		r.Email, r.EmailUnverified = email, false
		return prev, nil
	})
}

// swapClaim changes username's record with set, which gives its field
// ("email" or "phone", whose claims key names) the value next and
// returns the value it had (prev), and moves the account's claim from
// prev to next: it claims next (unless empty or prev) before the record
// is written, a ConflictError when another account holds it, and once
// the record is written frees prev (the value of the record the write
// replaced: when another change landed first, set ran again on it). When
// the write fails it frees next again, unless the record may hold it all
// the same (a write that timed out may have been done): kept, the claim
// would hold the value for good for an account that does not have it.
func (b *Backend) swapClaim(ctx context.Context, username, field string, key func(string) string, next string, set func(*record) (string, error)) error {
	var prev, owner string
	claimed := false
	err := b.change(ctx, username, func(r *record) error {
		p, err := set(r)
		prev, owner = p, r.Username
		if err != nil || next == "" || next == prev || claimed {
			return err
		}
		ok, err := b.claim(ctx, field, key(next), r.Username, auth.Forever)
		if err != nil {
			return fmt.Errorf("storeusers: claim %s: %w", field, err)
		}
		if !ok {
			return &auth.ConflictError{Field: field}
		}
		claimed = true
		return nil
	})
	if err != nil {
		if ctx := context.WithoutCancel(ctx); claimed && !b.holds(ctx, username, field, next) {
			_, _ = b.st.CompareAndDelete(ctx, key(next), []byte(owner)) // the write's error is the one to report
		}
		return err
	}
	if prev != "" && prev != next {
		// Only while it names the account: a claim is never another's.
		// The record is written: a caller hanging up now must not keep
		// the old value claimed.
		if _, err := b.st.CompareAndDelete(context.WithoutCancel(ctx), key(prev), []byte(owner)); err != nil {
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

// update changes an active account's record with f (see change).
func (b *Backend) update(ctx context.Context, username string, f func(*record) error) error {
	return b.change(ctx, username, func(r *record) error {
		if r.Pending {
			return auth.ErrUserNotFound
		}
		return f(r)
	})
}

// maxSwaps bounds how many times change reads a record, applies its
// change and tries to write it.
const maxSwaps = 5

// errUnchanged, from a change's f, says the record already is as asked:
// nothing is written.
var errUnchanged = errors.New("storeusers: record unchanged")

// change reads username's record, applies f to it and writes it back
// only if the record still holds the bytes read (a compare-and-set:
// auth.Swapper). When another change of the account landed in between,
// it reads the record again and applies f again, so that neither change
// undoes the other (docs/contract.md, "Sessions end when credentials
// change"); a record deleted meanwhile is auth.ErrUserNotFound, never
// written back. After maxSwaps lost races it gives up, writing nothing:
// auth.ErrRecordContended. f runs once per attempt, on a fresh record.
func (b *Backend) change(ctx context.Context, username string, f func(*record) error) error {
	for range maxSwaps {
		r, old, err := b.read(ctx, username)
		if err != nil {
			return err
		}
		if err := f(r); errors.Is(err, errUnchanged) {
			return nil
		} else if err != nil {
			return err
		}
		if err := r.stamp(); err != nil {
			return err
		}
		v, err := json.Marshal(r) //nolint:gosec // r.Password is the hash (record), which this backend stores
		if err != nil {
			return err
		}
		ok, err := b.st.CompareAndSwap(ctx, recKey(username), old, v, auth.Forever)
		if err != nil {
			return fmt.Errorf("storeusers: save: %w", err)
		}
		if ok {
			return nil
		}
	}
	return fmt.Errorf("storeusers: save: %w", auth.ErrRecordContended)
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
