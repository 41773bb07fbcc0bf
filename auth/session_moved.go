package auth

// Where a session went: a rotation of a stored session leaves, for
// MovedTTL, a pointer from the id it replaced to the session's handle,
// written before the old id is deleted, so that a sign-out carrying the
// old id (sent from another tab before the rotation's answer set the new
// cookie) ends the session that id became (docs/contract.md, "Sessions
// end when they are ended").

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// MovedTTL is how long an id a rotation replaced still names its session
// for that session's sign-out (Sessions.End): longer than a request and
// its answer take under the default server timeouts (read 30 s, write
// 60 s). The old id never loads again; it can only end the session.
const MovedTTL = 2 * time.Minute

// movedKey names the pointer a rotation leaves from the cookie value id
// it replaced: "sm:" and the SHA-256 of id, as the session's own key.
func movedKey(id string) string { return "sm:" + sessionKey(id)[len(SessionKeyPrefix):] }

// moved is what the pointer holds: the session's user and its listed
// handle, which RevokeOne ends whatever ids the session has had since.
type moved struct {
	User   string `json:"u"`
	Handle string `json:"h"`
}

// leavePointer writes the pointer from old to s, just given its new id.
func (m *Sessions) leavePointer(ctx context.Context, old string, s *Session) error {
	data, err := json.Marshal(moved{User: s.User, Handle: s.ListedHandle()})
	if err != nil {
		return fmt.Errorf("session: rotate: %w", err)
	}
	if err := m.kv.Set(ctx, movedKey(old), data, MovedTTL); err != nil {
		return fmt.Errorf("session: rotate: %w", err)
	}
	return nil
}

// End ends the session with cookie value id, for its own sign-out. When
// the store no longer holds id, because a rotation in flight (a step-up
// in another tab) moved the session to a new id before the end landed,
// it ends the session that id became, by the handle the rotation's
// pointer names, and returns its user; else "". Of the rotation's delete
// of id and End's, exactly one finds it: if End's did, the rotation
// gives up its new id (Rotate); if the rotation's did, its pointer was
// written before, and End finds it (docs/contract.md, "Sessions end when
// they are ended").
func (m *Sessions) End(ctx context.Context, id string) (string, error) {
	if !wellFormedID(id) {
		return "", nil
	}
	existed, err := m.drop(ctx, id)
	if err != nil {
		return "", fmt.Errorf("session: end: %w", err)
	}
	if existed {
		return "", nil
	}
	to, err := m.movedTo(ctx, id)
	if err != nil || to.User == "" {
		return "", err
	}
	if _, err := m.RevokeOne(ctx, to.User, to.Handle); err != nil {
		return "", fmt.Errorf("session: end: %w", err)
	}
	return to.User, nil
}

// Moved returns the user and the handle (SessionInfo.Handle) of the
// session a rotation of the last MovedTTL moved from cookie value id to a
// new id, "" and "" for none: how a request that comes with an id a
// step-up in another tab just replaced knows the session it named
// (docs/contract.md, "Sessions end when they are ended").
func (m *Sessions) Moved(ctx context.Context, id string) (user, handle string, err error) {
	to, err := m.movedTo(ctx, id)
	return to.User, to.Handle, err
}

// movedTo reads the pointer a rotation left from id; the zero moved for
// none, or one unreadable.
func (m *Sessions) movedTo(ctx context.Context, id string) (moved, error) {
	var to moved
	if !wellFormedID(id) {
		return to, nil
	}
	data, err := m.kv.Get(ctx, movedKey(id))
	if errors.Is(err, ErrNotFound) {
		return to, nil
	}
	if err != nil {
		return to, fmt.Errorf("session: moved: %w", err)
	}
	if json.Unmarshal(data, &to) != nil {
		return moved{}, nil
	}
	return to, nil
}
