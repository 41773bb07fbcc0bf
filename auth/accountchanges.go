package auth

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
)

// UsersFileActor is the actor of the audit records of changes made by
// editing the users file (docs/contract.md, "users.yaml (file backend)"):
// no administrator acted through the gateway, the file did.
const UsersFileActor = "users_file"

// UsersChange is one reading of a user backend's accounts replacing
// another behind the gateway's back (the file backend: its file edited).
// Before and After map usernames to accounts and are read only.
type UsersChange struct {
	Before, After map[string]*User
	// Source names what was read (the file) and To what it read now (its
	// content), alike on every replica reading the same (hashes, never of
	// a secret alone), so that one of them records the change.
	Source, To string
}

// ChangeNotifier is a user backend whose accounts can change behind the
// gateway's back and that says when they do, so that the change is on
// the audit trail (docs/contract.md, "users.yaml (file backend)").
type ChangeNotifier interface {
	// OnChanged registers f to be told each change of the accounts.
	OnChanged(f func(ctx context.Context, c UsersChange))
	// Reading is the accounts as read now, as a change from nothing
	// (Before nil): what a gateway starting compares with the content
	// last recorded (UsersChangeEvents).
	Reading() UsersChange
}

// UsersChangeEvents returns the audit events, by actor, that this
// replica records for c, once among the replicas sharing st
// (docs/contract.md, "users.yaml (file backend)"). The store keeps, under
// `usersfile:` and c.Source, the content whose arrival was last recorded
// and a print of its accounts (usersPrint, keyed by key); the replica
// that swaps them for c's records the change, and one that finds c.To
// there already records nothing. So every taking of a change is recorded
// once, also the same change made again (a number moved back and forth).
// A reading compared with the one before it (c.Before) gives
// AccountChanges of the two; a first reading (c.Before nil: a gateway
// starting) gives the changes since the content last recorded, from its
// print, so that an edit made while no gateway ran is on the trail when
// one starts (none when the store keeps no print of this file, or one
// under another key). The print remembers the contents it replaced
// (usersPrint.H): a first reading of one of them, a file older than the
// one last recorded, has the accounts it lacks marked `forgotten`
// `false`, for ForgetAtStart to leave. An error means nobody can tell: c.Before's changes
// are returned all the same, to be recorded rather than lost; a first
// reading's, which need the print, are not. A store that cannot swap
// keeps nothing: each replica records c.Before's changes.
func UsersChangeEvents(ctx context.Context, st Store, key []byte, c UsersChange, actor string) ([]Event, error) {
	own := func(err error) ([]Event, error) {
		if c.Before == nil {
			return nil, err
		}
		return AccountChanges(c.Before, c.After, actor), err
	}
	sw, ok := st.(Swapper)
	if !ok {
		return own(nil)
	}
	k := "usersfile:" + c.Source
	for range 3 {
		cur, err := st.Get(ctx, k)
		switch {
		case errors.Is(err, ErrNotFound):
			cur = nil
		case err != nil:
			return own(err)
		}
		to, saved, _ := bytes.Cut(cur, []byte{'\n'})
		before, printed := savedPrint(saved, key)
		if string(to) == c.To {
			if next := recordedUsers(c.To, key, c.After, before.H); !bytes.Equal(cur, next) {
				// Recorded without a print (before prints were kept) or
				// under another key: the next start compares with this
				// one's. Best effort: it records nothing.
				_, _ = sw.CompareAndSwap(ctx, k, cur, next, Forever)
			}
			return nil, nil
		}
		next := recordedUsers(c.To, key, c.After, before.replacedBy(key, string(to)))
		swapped, err := sw.CompareAndSwap(ctx, k, cur, next, Forever)
		switch {
		case err != nil:
			return own(err)
		case swapped && c.Before == nil && printed:
			return changesSince(before, key, c.After, c.To, actor), nil
		case swapped && c.Before == nil:
			return nil, nil
		case swapped:
			return own(nil)
		}
		// Another replica swapped it meanwhile: read what it wrote.
	}
	return own(nil)
}

// AccountChanges returns the audit events that say how the accounts of
// before became those of after, each an administrator's action by actor,
// named as the console's and the operator commands' equivalents
// (docs/contract.md, "Audit trail"), in username order: an account added
// (admin_user_created, then admin_disabled if it came disabled), and for
// an account kept, one event per thing changed (admin_password_set,
// admin_phone_set or admin_phone_cleared, admin_email_set,
// admin_groups_changed, admin_disabled or admin_enabled,
// admin_display_name_set, admin_force_two_factor_set), and an account
// removed (admin_user_deleted, whatever forgetting it meets). No event
// carries a password hash; a phone goes in Event.Phone, which the
// trail masks.
func AccountChanges(before, after map[string]*User, actor string) []Event {
	names := make([]string, 0, len(after))
	for name := range after {
		names = append(names, name)
	}
	for name := range before {
		if _, ok := after[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var out []Event
	ev := func(name, user, phone string, kv ...any) {
		out = append(out, Event{Name: name, User: user, Phone: phone, Attrs: append([]any{"actor", actor}, kv...)})
	}
	for _, name := range names {
		u, old := after[name], before[name]
		if u == nil {
			ev("admin_user_deleted", name, "")
			continue
		}
		if old == nil {
			ev("admin_user_created", name, u.Phone, "groups", strings.Join(u.Groups, ","))
			if u.Disabled {
				ev("admin_disabled", name, "")
			}
			continue
		}
		if u.PasswordHash != old.PasswordHash {
			ev("admin_password_set", name, "")
		}
		if u.Phone != old.Phone {
			if u.Phone == "" {
				ev("admin_phone_cleared", name, "")
			} else {
				ev("admin_phone_set", name, u.Phone)
			}
		}
		if u.Email != old.Email {
			ev("admin_email_set", name, "")
		}
		if !sameGroups(u.Groups, old.Groups) {
			ev("admin_groups_changed", name, "", "groups", strings.Join(u.Groups, ","), "before", strings.Join(old.Groups, ","))
		}
		if u.Disabled != old.Disabled {
			ev(map[bool]string{true: "admin_disabled", false: "admin_enabled"}[u.Disabled], name, "")
		}
		if u.DisplayName != old.DisplayName {
			ev("admin_display_name_set", name, "")
		}
		if u.ForceTwoFactor != old.ForceTwoFactor {
			ev("admin_force_two_factor_set", name, "", "force_two_factor", strconv.FormatBool(u.ForceTwoFactor))
		}
	}
	return out
}

// sameGroups reports whether a and b name the same groups, in any order.
func sameGroups(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}
