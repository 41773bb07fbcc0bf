package auth

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// The per-user index of sessions ("su:" + SHA-256 of the username, in a
// SetStore): the account page's list, one revocation, and "sign out
// everywhere else".

// SessionInfo describes one of a user's sessions for the account page.
type SessionInfo struct {
	Handle   string    // opaque, for RevokeOne; not the session id
	Created  time.Time // sign-in
	LastSeen time.Time // approximate: from the idle expiry
	IP       string    // client at sign-in
	Agent    string    // user agent at sign-in (truncated)
	Methods  []string  // proved methods
	Current  bool      // the caller's own session
}

// ListUser returns the live sessions of u, newest first; current marks
// the caller's own (by cookie value). Sessions made under another
// credential generation than u's are dead and left out.
func (m *Sessions) ListUser(ctx context.Context, u *User, current string) ([]SessionInfo, error) {
	user := u.Username
	if m.sets == nil {
		return nil, nil
	}
	idx := userSessionsKey(user)
	keys, err := m.sets.SMembers(ctx, idx)
	if err != nil {
		return nil, fmt.Errorf("session: list: %w", err)
	}
	now := m.clock.Now()
	var out []SessionInfo
	for _, key := range keys {
		data, err := m.kv.Get(ctx, key)
		if errors.Is(err, ErrNotFound) {
			_ = m.sets.SRem(ctx, idx, key)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("session: list: %w", err)
		}
		var s Session
		if json.Unmarshal(data, &s) != nil {
			continue
		}
		m.bind(&s)
		if s.User != user || s.Gen != u.Generation || now.Unix() >= s.Expires {
			continue
		}
		info := SessionInfo{Handle: listedHandle(s.Handle, key), Created: time.Unix(s.Created, 0), IP: s.IP, Agent: s.Agent, Methods: s.Methods(), LastSeen: time.Unix(s.Created, 0)}
		for _, p := range s.Proofs {
			if t := time.Unix(p.At, 0); t.After(info.LastSeen) {
				info.LastSeen = t
			}
		}
		if c, ok := m.kv.(Counter); ok && !s.Remember {
			if ttl, err := c.TTL(ctx, key); err == nil && m.cfg.IdleTimeout > ttl {
				if seen := now.Add(ttl - m.cfg.IdleTimeout); seen.After(info.LastSeen) {
					info.LastSeen = seen
				}
			}
		}
		info.Current = current != "" && key == sessionKey(current)
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b SessionInfo) int { return b.Created.Compare(a.Created) })
	return out, nil
}

// ListedHandle is the handle the lists show for s (SessionInfo.Handle),
// which RevokeOne ends: its own, made at its sign-in, or the store key of
// its id for a session signed in before handles existed
// (docs/contract.md, "Sessions end when they are ended").
func (s *Session) ListedHandle() string { return listedHandle(s.Handle, sessionKey(s.ID)) }

// listedHandle is a session's listed handle: handle, or its store key when
// it has none.
func listedHandle(handle, key string) string { return cmp.Or(handle, key) }

// RevokeOne ends one of user's sessions by the handle a list showed
// (SessionInfo.Handle): every id the session has had since that list, as
// a rotation in flight may hold two for a moment; a session listed before
// it had a handle is named by its store key. Handles of other users'
// sessions are refused (false).
func (m *Sessions) RevokeOne(ctx context.Context, user, handle string) (bool, error) {
	if handle == "" {
		return false, nil
	}
	n, err := m.revokeWhere(ctx, user, "", func(key string, s *Session) bool {
		return key == handle || (s != nil && s.User == user && s.Handle == handle)
	})
	return n > 0, err
}

// RevokeUser deletes every session of user except the one with cookie
// value except ("" = all) and returns how many it ended.
func (m *Sessions) RevokeUser(ctx context.Context, user, except string) (int, error) {
	return m.revokeWhere(ctx, user, except, nil)
}

// RevokeUserWith is RevokeUser for the sessions that proved method only
// (a factor removed because it may be in someone else's hands:
// docs/contract.md, "Passkeys", "Authenticator apps").
func (m *Sessions) RevokeUserWith(ctx context.Context, user, method, except string) (int, error) {
	return m.revokeWhere(ctx, user, except, func(_ string, s *Session) bool {
		// A session gone or unreadable is deleted: that loses nothing.
		return s == nil || s.Has(method, time.Time{})
	})
}

// revokeWhere deletes user's sessions but except's, those want accepts
// when it is not nil (want is given the store key and the session, nil
// for one gone or unreadable). It reads the user's index again after each
// pass, until it lists no session it has not dealt with: a rotation in
// flight indexes its new id before it deletes the old one, so one whose
// old id the revocation found gone is in the index by the next reading
// (docs/contract.md, "Sessions end when they are ended"). Every pass past
// the first is a rotation that landed meanwhile; a revocation stops after
// revokeRounds of them, and says so in the log.
func (m *Sessions) revokeWhere(ctx context.Context, user, except string, want func(key string, s *Session) bool) (int, error) {
	if m.sets == nil {
		return 0, nil
	}
	idx := userSessionsKey(user)
	keep := ""
	if except != "" {
		keep = sessionKey(except)
	}
	seen := map[string]bool{keep: true}
	n := 0
	for range revokeRounds {
		keys, err := m.sets.SMembers(ctx, idx)
		if err != nil {
			return n, fmt.Errorf("session: revoke: %w", err)
		}
		keys = slices.DeleteFunc(keys, func(k string) bool { return seen[k] })
		if len(keys) == 0 {
			return n, nil
		}
		for _, key := range keys {
			seen[key] = true
			ended, err := m.revokeKey(ctx, idx, key, want)
			if ended {
				n++
			}
			if err != nil {
				return n, err
			}
		}
	}
	m.log.WarnContext(ctx, "session: revocation stopped with sessions still being rotated", "rounds", revokeRounds)
	return n, nil
}

// revokeRounds bounds the readings of a user's index by one revocation
// (revokeWhere).
const revokeRounds = 16

// revokeKey deletes the session under store key, if want (nil: any)
// accepts it, and drops it from the index idx; it reports whether it
// ended a session.
func (m *Sessions) revokeKey(ctx context.Context, idx, key string, want func(string, *Session) bool) (bool, error) {
	if want != nil {
		s, err := m.peek(ctx, key)
		if err != nil {
			return false, fmt.Errorf("session: revoke: %w", err)
		}
		if !want(key, s) {
			return false, nil
		}
	}
	ok, err := m.kv.Delete(ctx, key)
	if err != nil {
		return false, fmt.Errorf("session: revoke: %w", err)
	}
	if err := m.sets.SRem(ctx, idx, key); err != nil {
		return ok, fmt.Errorf("session: revoke: %w", err)
	}
	return ok, nil
}

// peek reads the session under store key: nil for one gone or
// unreadable.
func (m *Sessions) peek(ctx context.Context, key string) (*Session, error) {
	data, err := m.kv.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s, err := decodeSession(data)
	if err != nil {
		return nil, nil //nolint:nilerr // an unreadable session is as good as gone (see above)
	}
	return s, nil
}

// tidySample is how many other ids of a user's index each new session
// checks (tidyIndex).
const tidySample = 4

// tidyIndex keeps the index of s's user about the size of the user's live
// sessions (docs/contract.md, "Store housekeeping"): after a rotation it
// drops the id rotated away, and checks up to tidySample other ids, picked
// at random, dropping those whose session is gone (signed out, expired). An
// index checked that way holds at most about tidySample/(tidySample-1)
// times the live sessions, however many sign-ins there were; the account
// page still drops every dead id it reads. An index that lists
// MaxUserSessions other ids is read whole instead, and the sessions past
// that limit end (limitUser). Tidying is housekeeping: a store failure is
// logged, never the rotation's.
func (m *Sessions) tidyIndex(ctx context.Context, s *Session, old string) {
	if m.sets == nil || !s.Authenticated() {
		return
	}
	idx, keep := userSessionsKey(s.User), sessionKey(s.ID)
	fail := func(err error) { m.log.WarnContext(ctx, "session: index not tidied", "error", err) }
	if old != "" {
		if err := m.sets.SRem(ctx, idx, sessionKey(old)); err != nil {
			fail(err)
			return
		}
	}
	keys, err := m.sets.SMembers(ctx, idx)
	if err != nil {
		fail(err)
		return
	}
	keys = slices.DeleteFunc(keys, func(k string) bool { return k == keep })
	if len(keys) >= m.maxSessions() {
		n, err := m.limitUser(ctx, s, idx, keys)
		if err != nil {
			fail(err)
		}
		if n > 0 && m.limited != nil {
			m.limited(ctx, s, n)
		}
		return
	}
	if len(keys) > tidySample {
		start := rand.IntN(len(keys)) //nolint:gosec // which ids are checked needs no secrecy
		sample := make([]string, tidySample)
		for i := range sample {
			sample[i] = keys[(start+i)%len(keys)]
		}
		keys = sample
	}
	gone, err := m.missing(ctx, keys)
	if err != nil {
		fail(err)
		return
	}
	for _, k := range gone {
		if err := m.sets.SRem(ctx, idx, k); err != nil {
			fail(err)
			return
		}
	}
}

// missing returns those of keys the store no longer holds, in one round
// trip when it reads many keys at once.
func (m *Sessions) missing(ctx context.Context, keys []string) ([]string, error) {
	vals, err := m.readMany(ctx, keys)
	if err != nil {
		return nil, err
	}
	var gone []string
	for i, v := range vals {
		if v == nil {
			gone = append(gone, keys[i])
		}
	}
	return gone, nil
}

// userSessionsKey names the index of user's sessions: "su:" and the
// base64url SHA-256 of the name, which keeps key names short and free of
// separators. It is not keyed, because it is not there to hide the name
// (docs/contract.md, "Store keys"): the sessions it lists hold their user
// name in clear. Keyed, it would also move with the signing key, and
// "sign out everywhere" would then miss the sessions indexed before.
func userSessionsKey(user string) string {
	sum := sha256.Sum256([]byte(user))
	return "su:" + base64.RawURLEncoding.EncodeToString(sum[:])
}
