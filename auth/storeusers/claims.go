package storeusers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// Claims: the keys that point an email or a phone number at the account
// that has it ("user:e:<email>", "user:p:<phone>"), each claimed by one
// account at a time. An email is claimed only once an administrator
// vouched for it (docs/contract.md, "Sign-up").

// vouches reports whether r holds email as one an administrator vouched
// for: the only email that names an account (Lookup) and is claimed
// (claims). One its person typed at sign-up claims nothing, so an
// outsider who signs up first with someone's address takes nothing
// from them (docs/contract.md, "Sign-up").
func vouches(r *record, email string) bool {
	return r.Email != "" && r.Email == strings.ToLower(email) && !r.EmailUnverified
}

// claims are the keys a record owns besides its own: its phone, and its
// email when vouched for (vouches).
func claims(r *record) [][2]string {
	var out [][2]string
	if vouches(r, r.Email) {
		out = append(out, [2]string{"email", emailKey(r.Email)})
	}
	if r.Phone != "" {
		out = append(out, [2]string{"phone", phoneKey(r.Phone)})
	}
	return out
}

// claim claims key, the claim of field ("email" or "phone"), for
// username for ttl, and reports whether it did: not while another
// record holds it. A stale claim (stale: one the record it names does
// not back, an earlier version's for an email typed at sign-up, or one
// a record gone, a change cut off or a failover left) is taken over: it
// keeps no administrator from giving the value to its owner
// (docs/contract.md, "Sign-up", "Store housekeeping"). So is one that
// names username already, whatever its age: a name has one record at a
// time, so it is this account's (one an activation that failed
// half-way kept, Activate), and it must not refuse its own name the
// value.
func (b *Backend) claim(ctx context.Context, field, key, username string, ttl time.Duration) (bool, error) {
	for range maxSwaps {
		ok, err := b.st.SetNX(ctx, key, []byte(username), ttl)
		if err != nil || ok {
			return ok, err
		}
		holder, err := b.st.Get(ctx, key)
		if errors.Is(err, auth.ErrNotFound) {
			continue // freed meanwhile: claim it again
		}
		if err != nil {
			return false, err
		}
		if string(holder) != username {
			if stale, err := b.stale(ctx, field, key, string(holder)); err != nil || !stale {
				return false, err
			}
		}
		if ok, err := b.st.CompareAndSwap(ctx, key, holder, []byte(username), ttl); err != nil || ok {
			return ok, err
		}
	}
	return false, auth.ErrRecordContended
}

// claimSettle is how long a claim the record it names does not back is
// still taken for a change in flight: a change claims its new value
// before it writes the record (swapClaim), within a few round trips.
const claimSettle = time.Minute

// stale reports whether key, field's claim held by holder, may be taken
// over: holder's record does not back it (backs), or is gone, and the
// claim was written more than claimSettle ago. Every claim an account
// keeps is written for auth.Forever, so its TTL tells its age; a claim
// written for less (a sign-up's reservation) is made after its record.
func (b *Backend) stale(ctx context.Context, field, key, holder string) (bool, error) {
	r, err := b.get(ctx, holder)
	switch {
	case err == nil && backs(r, field, key):
		return false, nil
	case err != nil && !errors.Is(err, auth.ErrUserNotFound):
		return false, err
	}
	left, err := b.st.TTL(ctx, key)
	if errors.Is(err, auth.ErrNotFound) {
		return true, nil // freed meanwhile: the swap fails and claim tries again
	}
	if err != nil {
		return false, err
	}
	return left <= auth.Forever-claimSettle, nil
}

// backs reports whether r owns key, the claim of field: one of its
// claims. Only such a claim names an account (Lookup) or keeps its value
// from another (claim).
func backs(r *record, field, key string) bool {
	for _, c := range claims(r) {
		if c == [2]string{field, key} {
			return true
		}
	}
	return false
}

// unclaim frees r's email and phone, each only while its claim names
// r: a pending sign-up replaced by a hold (Hold) while its reservation
// was still claiming may name a number another sign-up holds, whose
// claim stays that one's (docs/contract.md, "Names of deleted
// accounts"). An unproved email's claim, which an earlier version wrote,
// is freed too.
func (b *Backend) unclaim(ctx context.Context, r *record) error {
	keys := claims(r)
	if r.Email != "" && !vouches(r, r.Email) {
		keys = append(keys, [2]string{"email", emailKey(r.Email)})
	}
	for _, c := range keys {
		if _, err := b.st.CompareAndDelete(ctx, c[1], []byte(r.Username)); err != nil {
			return fmt.Errorf("storeusers: delete %s: %w", c[0], err)
		}
	}
	return nil
}
