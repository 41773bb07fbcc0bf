package auth

// Every live session, for the console (docs/contract.md, "Admin
// console"): "sx", a sorted index of the users who signed in (added to by
// every authenticated Save, dropped from when they are found with no
// session left), read a page of users at a time, each user's sessions
// from their own index.

import (
	"context"
	"errors"
	"fmt"
)

// signedInKey is the sorted index of users who may have sessions.
const signedInKey = "sx"

// SessionsScanLimit bounds how many users one page of every session
// reads, so that the page answers in bounded time however many users
// signed in once; its cursor goes on where it stopped.
const SessionsScanLimit = 200

// UserSessions is one user's live sessions.
type UserSessions struct {
	User     string
	Sessions []SessionInfo
}

// ListAll returns the live sessions of the users after after ("" for
// the first), user by user, until a page holds at least n sessions or
// SessionsScanLimit users were read, and the cursor of the next page (""
// at the end). lookup finds each user's account (their sessions are
// checked against its credential generation); a user it does not find
// has none.
func (m *Sessions) ListAll(ctx context.Context, lookup func(ctx context.Context, user string) (*User, error), after string, n int) ([]UserSessions, string, error) {
	idx, ok := m.kv.(SortedIndex)
	if !ok || m.sets == nil {
		return nil, "", nil
	}
	var out []UserSessions
	count, cursor := 0, after
	for scanned := 0; scanned < SessionsScanLimit; {
		want := min(50, SessionsScanLimit-scanned)
		users, err := idx.ZAfter(ctx, signedInKey, cursor, want)
		if err != nil {
			return nil, "", fmt.Errorf("session: list: %w", err)
		}
		for _, name := range users {
			scanned++
			cursor = name
			u, err := lookup(ctx, name)
			if errors.Is(err, ErrUserNotFound) {
				_ = idx.ZRem(ctx, signedInKey, name)
				continue
			}
			if err != nil {
				return nil, "", err
			}
			list, err := m.ListUser(ctx, u, "")
			if err != nil {
				return nil, "", err
			}
			if len(list) == 0 {
				// A Save racing this removal adds the user back after it
				// or is read as absent until its next Save: the session
				// still works, and the user's own page lists it.
				_ = idx.ZRem(ctx, signedInKey, name)
				continue
			}
			out = append(out, UserSessions{User: name, Sessions: list})
			if count += len(list); count >= n {
				return out, cursor, nil
			}
		}
		if len(users) < want {
			return out, "", nil
		}
	}
	return out, cursor, nil
}
