package auth

// How a session is written: a session read from the store is written
// back only while the store still holds it, decided by one store
// operation, so that an end (a sign-out, a revocation, a rotation by
// another request) is never undone, however late it lands
// (docs/contract.md, "Sessions end when they are ended").

import (
	"context"
	"encoding/json"
	"fmt"
)

// Save writes the session under its current id. A session read from the
// store (Load) or written before is written again only while the store
// still holds it, in one conditional write (KV.SetIfExists): one ended
// meanwhile (signed out, revoked, rotated away), even a moment before
// the write, stays ended, ErrSessionNotFound (docs/contract.md,
// "Sessions end when they are ended"). A session never stored is
// written as is.
func (m *Sessions) Save(ctx context.Context, s *Session) error {
	now := m.clock.Now()
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("session: encode: %w", err)
	}
	key := sessionKey(s.ID)
	if s.stored {
		written, err := m.kv.SetIfExists(ctx, key, data, m.ttl(s, now))
		if err != nil {
			return fmt.Errorf("session: save: %w", err)
		}
		if !written {
			m.forget(key)
			return fmt.Errorf("session: ended meanwhile: %w", ErrSessionNotFound)
		}
	} else if err := m.kv.Set(ctx, key, data, m.ttl(s, now)); err != nil {
		return fmt.Errorf("session: save: %w", err)
	}
	s.stored = true
	m.markRefreshed(key, now)
	if m.sets != nil && s.Authenticated() {
		// The index outlives any of the user's sessions; stale members are
		// dropped when the index is read.
		life := max(m.cfg.AbsoluteTimeout, m.cfg.RememberMe)
		if err := m.sets.SAdd(ctx, userSessionsKey(s.User), key, life); err != nil {
			return fmt.Errorf("session: index: %w", err)
		}
		if idx, ok := m.kv.(SortedIndex); ok {
			if err := idx.ZAdd(ctx, signedInKey, s.User, life); err != nil {
				return fmt.Errorf("session: index: %w", err)
			}
		}
	}
	return nil
}

// Rotate gives the session a new id, saves it and deletes the old entry.
// Call it whenever the proved methods change (fixation defence). A
// stored session ended meanwhile is not carried over to the new id:
// ErrSessionNotFound, nothing left behind.
func (m *Sessions) Rotate(ctx context.Context, s *Session) error {
	return m.rotate(ctx, s, s.stored)
}

// rotate moves s to a new id. When held, the old id must still be in the
// store, and one operation decides it: the new id is written and indexed
// first (under a fresh random id nobody holds yet), with a pointer from
// the old id to the session's handle for a sign-out that comes with the
// old id (End), then the old one is deleted, and the Delete reports whether the key existed. Of that
// Delete and an end's (each end deletes the key) exactly one finds it:
// if the end's did, the old session was ended before the rotation, and
// the new id is deleted again, never handed out; if the rotation's did,
// the end came after it, and a revocation of every session, which reads
// the user's index again until it finds nothing new (revokeWhere), finds
// the new id there. A Delete that fails leaves unknown whether the old
// session was ended: the rotation fails too.
func (m *Sessions) rotate(ctx context.Context, s *Session, held bool) error {
	old := s.ID
	id, err := RandomToken(32)
	if err != nil {
		return err
	}
	wasStored := s.stored
	s.ID, s.stored = id, false
	if err := m.Save(ctx, s); err != nil {
		s.ID, s.stored = old, wasStored
		return err
	}
	if held && s.Authenticated() {
		if err := m.leavePointer(ctx, old, s); err != nil {
			m.undo(ctx, s)
			s.ID, s.stored = old, wasStored
			return err
		}
	}
	if old != "" {
		oldKey := sessionKey(old)
		m.forget(oldKey)
		existed, err := m.kv.Delete(ctx, oldKey)
		switch {
		case held && (err != nil || !existed):
			m.undo(ctx, s)
			s.ID, s.stored = old, wasStored
			if err != nil {
				return fmt.Errorf("session: rotate: %w", err)
			}
			return fmt.Errorf("session: rotate: ended meanwhile: %w", ErrSessionNotFound)
		case err != nil:
			m.log.WarnContext(ctx, "session: old id not deleted after rotation", "error", err)
		}
	}
	m.tidyIndex(ctx, s, old)
	return nil
}

// undo deletes the id s was just written under, by a rotation that must
// not go through; the id was never handed out, so one the store failed
// to delete is only a key that expires unused.
func (m *Sessions) undo(ctx context.Context, s *Session) {
	key := sessionKey(s.ID)
	m.forget(key)
	if _, err := m.kv.Delete(ctx, key); err != nil {
		m.log.WarnContext(ctx, "session: id of a refused rotation not deleted", "error", err)
	}
	if m.sets != nil && s.Authenticated() {
		if err := m.sets.SRem(ctx, userSessionsKey(s.User), key); err != nil {
			m.log.WarnContext(ctx, "session: index not tidied", "error", err)
		}
	}
}

// Restamp re-issues s, a session of u that was valid until a credential
// change it made itself (the account page's password or phone change, a
// password reset), under u's new credential generation: it keeps its
// proofs, gets a new id (the old one, and any stolen copy of it, dies)
// and is saved. A session no longer in the store (revoked or signed out
// while the change was made, even a moment before the old id's Delete)
// is not written back: ErrSessionNotFound (docs/contract.md, "Sessions
// end when credentials change", "Sessions end when they are ended").
func (m *Sessions) Restamp(ctx context.Context, s *Session, u *User) error {
	if s.User != u.Username {
		return fmt.Errorf("session: restamp for another user: %w", ErrSessionNotFound)
	}
	gen := s.Gen
	s.Gen = u.Generation
	if err := m.rotate(ctx, s, true); err != nil {
		s.Gen = gen
		return fmt.Errorf("session: restamp: %w", err)
	}
	return nil
}
