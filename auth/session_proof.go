package auth

// How a proof joins the sign-in it is part of: a new sign-in or a step-up,
// a new id each time (fixation defence), and remember-me, which applies
// only once the sign-in completes (docs/contract.md, "Remember me").

import (
	"context"
	"slices"
)

// RememberAnswer is the answer to the "remember me" box a sign-in step
// carries (docs/contract.md, "Remember me").
type RememberAnswer uint8

const (
	// NotAsked says the step showed no box (an authenticator app's code,
	// a step-up, an enrolment): the sign-in's earlier answer stands.
	NotAsked RememberAnswer = iota
	// RememberNo says the box was left clear.
	RememberNo
	// RememberYes says the box was ticked.
	RememberYes
)

// Answer is the answer of a box that was shown, ticked or not.
func Answer(ticked bool) RememberAnswer {
	if ticked {
		return RememberYes
	}
	return RememberNo
}

// SignIn is what a proof does to the sign-in it is part of.
type SignIn struct {
	// Remember is the answer to the remember-me box the proof's step
	// carries; the last one given stands (Session.RememberAsked) until
	// the sign-in completes.
	Remember RememberAnswer
	// Complete says the proof completes the sign-in (no factor is owed
	// any more): one for which remember-me was asked is remembered from
	// then on, its cookie persistent. A step-up of a remembered session
	// leaves it as it is; an enrolment completes nothing.
	Complete bool
}

// AddProof records that method was proved now, by u, and rotates the id.
// Proving a method for another user than the session's, or under another
// credential generation (the password, phone or disabled flag changed
// since), replaces the session's proofs: a new login, not a step-up.
func (m *Sessions) AddProof(ctx context.Context, s *Session, u *User, method string, in SignIn) error {
	return m.addProof(ctx, s, u, Proof{Method: method}, in)
}

// AddKeyProof is AddProof of a passkey (MethodHWK), user-verified or not.
func (m *Sessions) AddKeyProof(ctx context.Context, s *Session, u *User, uv bool, in SignIn) error {
	return m.addProof(ctx, s, u, Proof{Method: MethodHWK, UV: uv}, in)
}

func (m *Sessions) addProof(ctx context.Context, s *Session, u *User, p Proof, in SignIn) error {
	if err := m.prove(s, u, p, in.Remember); err != nil {
		return err
	}
	if in.Complete {
		m.complete(s)
	}
	return m.Rotate(ctx, s)
}

// prove records p, proved now by u, in s (unsaved), with the answer to
// the remember-me box its step carries. A proof for another user than the
// session's, or under another credential generation, starts a new
// sign-in: nothing of the session is carried over.
func (m *Sessions) prove(s *Session, u *User, p Proof, remember RememberAnswer) error {
	now := m.clock.Now()
	if s.User != u.Username || s.Gen != u.Generation {
		// A new sign-in: nothing of the session is carried over, so
		// it is written whether or not its old id is still stored.
		s.stored = false
		s.Proofs = nil
		s.User = u.Username
		s.Gen = u.Generation
		s.Created = now.Unix()
		s.Expires = now.Add(m.cfg.AbsoluteTimeout).Unix()
		s.Remember = false
		s.RememberAsked = false
		// A phone change waiting for its code is the earlier sign-in's:
		// its new number is never shown to, nor confirmed by, this one
		// (docs/contract.md, "Account page").
		s.Change = nil
		h, err := RandomToken(16)
		if err != nil {
			return err
		}
		s.Handle = h
	}
	if remember == RememberYes && !s.RememberAsked && !s.Remember {
		// Remember-me asked in a sign-in that holds proofs made before
		// it was (a session signed in without it): they are dropped and
		// the sign-in goes on from this proof, so that a remembered
		// session's every factor was proved after the box was ticked
		// (docs/contract.md, "Remember me"). Else the password typed
		// again near the session's end, with a code proved hours
		// before, would make it live remember_me.
		s.Proofs = nil
	}
	s.Proofs = slices.DeleteFunc(s.Proofs, func(q Proof) bool { return q.Method == p.Method })
	p.At = now.Unix()
	s.Proofs = append(s.Proofs, p)
	if remember != NotAsked {
		s.RememberAsked = remember == RememberYes
	}
	return nil
}

// complete applies what a completed sign-in of s gets (unsaved): asked
// for (Session.RememberAsked) and on (session.remember_me), remember-me,
// which lives remember_me from now with a persistent cookie
// (docs/contract.md, "Remember me"). Until then, a sign-in that owes a
// factor lives as a session not remembered: the idle timeout, a
// browser-session cookie. A remembered session stays remembered.
func (m *Sessions) complete(s *Session) {
	if s.RememberAsked && m.cfg.RememberMe > 0 && !s.Remember {
		s.Remember = true
		s.Expires = m.clock.Now().Add(m.cfg.RememberMe).Unix()
	}
	s.RememberAsked = false
}

// rememberAnswer is the remember-me answer of the sign-in the pending code
// p completes, NotAsked when p is nil (nothing pending).
func (p *Pending) rememberAnswer() RememberAnswer {
	if p == nil {
		return NotAsked
	}
	return Answer(p.Remember)
}
