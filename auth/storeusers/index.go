package storeusers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// The console's list of accounts (docs/contract.md, "Admin console"):
// a sorted index of usernames ("user:ix") read a page at a time, and one
// set of usernames per group ("user:g:GROUP", for "is this the last
// administrator"), so that neither reads every record. Both are kept by
// every account made or activated (a pending sign-up is in neither, so an
// abandoned one expires whole), deleted or regrouped; a store written
// before they existed gets them built once, from "user:all" (the
// "user:ix:built" key says it was done).

const (
	indexKey   = "user:ix"
	indexBuilt = "user:ix:built"
)

func groupKey(group string) string { return "user:g:" + group }

// SearchScanLimit bounds how many records one Search reads, so that a
// rare query over 100,000 accounts answers in bounded time; the cursor
// goes on where it stopped.
const SearchScanLimit = 2000

// pageChunk is how many records one batch read fetches.
const pageChunk = 250

// list puts an active record in "user:all" and the console's indexes.
func (b *Backend) list(ctx context.Context, r *record) error {
	if err := b.st.SAdd(ctx, allKey, r.Username, auth.Forever); err != nil {
		return fmt.Errorf("storeusers: index: %w", err)
	}
	return b.indexAdd(ctx, r)
}

// List returns the active users, sorted by username.
func (b *Backend) List(ctx context.Context) ([]*auth.User, error) {
	names, err := b.st.SMembers(ctx, allKey)
	if err != nil {
		return nil, fmt.Errorf("storeusers: list: %w", err)
	}
	sort.Strings(names)
	var out []*auth.User
	for _, n := range names {
		r, err := b.get(ctx, n)
		if errors.Is(err, auth.ErrUserNotFound) {
			_ = b.st.SRem(ctx, allKey, n) // a delete under way, or a sign-up listed by an older version
			continue
		}
		if err != nil {
			return nil, err
		}
		if !r.Pending {
			out = append(out, r.user())
		}
	}
	return out, nil
}

// indexAdd puts r in the index and its groups' sets.
func (b *Backend) indexAdd(ctx context.Context, r *record) error {
	if err := b.st.ZAdd(ctx, indexKey, r.Username, auth.Forever); err != nil {
		return fmt.Errorf("storeusers: index: %w", err)
	}
	for _, g := range r.Groups {
		if err := b.st.SAdd(ctx, groupKey(g), r.Username, auth.Forever); err != nil {
			return fmt.Errorf("storeusers: group index: %w", err)
		}
	}
	return nil
}

// indexRemove takes r out of the index and its groups' sets.
func (b *Backend) indexRemove(ctx context.Context, r *record) error {
	if err := b.st.ZRem(ctx, indexKey, r.Username); err != nil {
		return fmt.Errorf("storeusers: index: %w", err)
	}
	for _, g := range r.Groups {
		if err := b.st.SRem(ctx, groupKey(g), r.Username); err != nil {
			return fmt.Errorf("storeusers: group index: %w", err)
		}
	}
	return nil
}

// ensureIndex builds the index and group sets from "user:all" once, for
// a store written before they existed.
func (b *Backend) ensureIndex(ctx context.Context) error {
	if b.built.Load() {
		return nil
	}
	b.buildMu.Lock()
	defer b.buildMu.Unlock()
	if b.built.Load() {
		return nil
	}
	_, err := b.st.Get(ctx, indexBuilt)
	if err == nil {
		b.built.Store(true)
		return nil
	}
	if !errors.Is(err, auth.ErrNotFound) {
		return fmt.Errorf("storeusers: index: %w", err)
	}
	names, err := b.st.SMembers(ctx, allKey)
	if err != nil {
		return fmt.Errorf("storeusers: index: %w", err)
	}
	for len(names) > 0 {
		n := min(len(names), pageChunk)
		recs, err := b.getMany(ctx, names[:n])
		if err != nil {
			return err
		}
		for _, r := range recs {
			if r != nil {
				if err := b.indexAdd(ctx, r); err != nil {
					return err
				}
			}
		}
		names = names[n:]
	}
	if err := b.st.Set(ctx, indexBuilt, []byte{'1'}, auth.Forever); err != nil {
		return fmt.Errorf("storeusers: index: %w", err)
	}
	b.built.Store(true)
	return nil
}

// getMany reads the records of names in one round trip: nil where one is
// missing (an expired sign-up, a delete under way, a held name).
func (b *Backend) getMany(ctx context.Context, names []string) ([]*record, error) {
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = recKey(n)
	}
	vals, err := b.st.GetMany(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("storeusers: get: %w", err)
	}
	out := make([]*record, len(names))
	for i, v := range vals {
		if v == nil {
			continue
		}
		var r record
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, fmt.Errorf("storeusers: corrupt record for %q: %w", names[i], err)
		}
		if r.Held {
			continue // a deleted account's name: none
		}
		out[i] = &r
	}
	return out, nil
}

// Page returns up to n active accounts whose usernames sort after after
// ("" for the first page), in username order, and the cursor of the next
// page ("" when there is none): one index read and one batch read of n
// records, however many accounts there are.
func (b *Backend) Page(ctx context.Context, after string, n int) ([]*auth.User, string, error) {
	return b.Search(ctx, "", after, n)
}

// Search is Page for the accounts matching q (auth.MatchUser). It reads
// at most SearchScanLimit records: a page may then hold fewer than n and
// still have a next one, which goes on where it stopped.
func (b *Backend) Search(ctx context.Context, q, after string, n int) ([]*auth.User, string, error) {
	if err := b.ensureIndex(ctx); err != nil {
		return nil, "", err
	}
	match := auth.UserMatcher(q)
	var out []*auth.User
	cursor := after
	for scanned := 0; scanned < SearchScanLimit; {
		want := min(pageChunk, SearchScanLimit-scanned)
		if q == "" {
			want = n - len(out) + 1 // one more tells whether a next page exists
		}
		names, err := b.st.ZAfter(ctx, indexKey, cursor, want)
		if err != nil {
			return nil, "", fmt.Errorf("storeusers: list: %w", err)
		}
		recs, err := b.getMany(ctx, names)
		if err != nil {
			return nil, "", err
		}
		for i, r := range recs {
			if r == nil {
				_ = b.st.ZRem(ctx, indexKey, names[i]) // as in List
				cursor = names[i]
				continue
			}
			if r.Pending || !match(r.user()) {
				cursor = names[i]
				scanned++
				continue
			}
			if len(out) == n {
				return out, cursor, nil
			}
			out = append(out, r.user())
			cursor = names[i]
			scanned++
		}
		if len(names) < want {
			return out, "", nil
		}
	}
	return out, cursor, nil
}

// GroupMembers returns the active accounts in group, in no order.
func (b *Backend) GroupMembers(ctx context.Context, group string) ([]*auth.User, error) {
	if err := b.ensureIndex(ctx); err != nil {
		return nil, err
	}
	names, err := b.st.SMembers(ctx, groupKey(group))
	if err != nil {
		return nil, fmt.Errorf("storeusers: group: %w", err)
	}
	recs, err := b.getMany(ctx, names)
	if err != nil {
		return nil, err
	}
	var out []*auth.User
	for _, r := range recs {
		// The set may be behind a change: the record says.
		if r != nil && !r.Pending && (&auth.User{Groups: r.Groups}).InGroup([]string{group}) {
			out = append(out, r.user())
		}
	}
	return out, nil
}

// SetGroups replaces an active account's groups. The record is the last
// step that can fail it: the account is put in its new groups' sets
// first (a set ahead of its records is read through them, GroupMembers),
// and taken out of the old ones after, a failure there leaving a name the
// record no longer names, which GroupMembers skips. So an error means the
// groups were not changed, and nil that they were: a change cut off after
// its record (the client gone, the store failing over) is not answered
// as not made, and is audited (docs/contract.md, "Audit trail"; before,
// the account was made an administrator off the record).
func (b *Backend) SetGroups(ctx context.Context, username string, groups []string) error {
	r, err := b.get(ctx, username)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if err := b.st.SAdd(ctx, groupKey(g), r.Username, auth.Forever); err != nil {
			return fmt.Errorf("storeusers: group index: %w", err)
		}
	}
	var old []string
	err = b.update(ctx, username, func(r *record) error {
		old, username = r.Groups, r.Username // of the record written
		r.Groups = append([]string(nil), groups...)
		return nil
	})
	if err != nil {
		return err
	}
	for _, g := range old {
		if !slices.Contains(groups, g) {
			_ = b.st.SRem(context.WithoutCancel(ctx), groupKey(g), username) // a left name is skipped
		}
	}
	return nil
}

// Invite creates an active account without a usable password (an
// administrator's, docs/contract.md "Admin console"): it signs in once
// its person has set one through a set-password link, and with a phone
// number, proves it (auth.User.PhoneUnproved) at its first sign-in. A
// deleted account's name is given only when reuseName says so (else a
// Held *auth.ConflictError; docs/contract.md, "Names of deleted
// accounts"); reused reports whether the name was one.
func (b *Backend) Invite(ctx context.Context, u *auth.User, reuseName bool) (reused bool, err error) {
	if u.Username == "" || strings.ContainsAny(u.Username, " \t\r\n@") {
		return false, auth.FieldErrors{"username": "required, without spaces or @"}
	}
	v := *u
	v.PasswordHash = ""
	v.PhoneUnproved = v.Phone != ""
	r, err := fromUser(&v, false)
	if err != nil {
		return false, err
	}
	return b.create(ctx, r, auth.Forever, reuseName)
}

// ClearPassword makes an account's password stop working (an
// administrator's forced reset): its sessions end with it (a new
// credential generation), and it signs in again only after a password
// reset or a set-password link.
func (b *Backend) ClearPassword(ctx context.Context, username string) error {
	return b.update(ctx, username, func(r *record) error {
		r.Password = ""
		return r.newGeneration()
	})
}
