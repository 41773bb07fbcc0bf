package auth

import (
	"cmp"
	"context"
	"errors"
	"slices"
)

// MaxUserSessions is how many sessions one account keeps
// (docs/contract.md, "Sessions per account"): a new session of an
// account that has as many already ends the one that proved least, the
// oldest of those, so that signing in again and again (a script, every
// second for a month, remember-me ticked) leaves a bounded index and a
// bounded number of sessions rather than millions.
const MaxUserSessions = 100

// maxSessions is how many sessions one account keeps under m's
// configuration (session.max_per_account), MaxUserSessions unless set.
func (m *Sessions) maxSessions() int {
	if m.cfg.MaxPerUser > 0 {
		return m.cfg.MaxPerUser
	}
	return MaxUserSessions
}

// limitUser ends the sessions of s's user beyond MaxUserSessions, s
// itself counted and never ended; keys are the other ids of the user's
// index idx. Ids whose session is gone leave the index. Of the others,
// those refused already (another credential generation, or past the
// lifetimes in force, Sessions.bind) end first, then those that proved
// least (proofRank), and of those the oldest sign-in first; none that
// proved more than s is ended for it (docs/contract.md, "Sessions per
// account"): a password step still owing its second factor, which s is
// for whoever has the password alone, must not sign out a person who
// proved both, whatever the limit. Such sessions stay past the limit
// until a step that proved as much ends them; a strictly weaker step
// past them ends the weaker one before it, so the account exceeds the
// limit by at most one session per rank below the strongest. It reads
// every session listed, which only an account at the limit pays for.
// It returns how many sessions it ended, those ended before a failure
// too.
func (m *Sessions) limitUser(ctx context.Context, s *Session, idx string, keys []string) (int, error) {
	vals, err := m.readMany(ctx, keys)
	if err != nil {
		return 0, err
	}
	type listed struct {
		key     string
		weight  int
		created int64
	}
	var live []listed
	now := m.clock.Now().Unix()
	for i, v := range vals {
		var other *Session
		if v != nil {
			other, _ = decodeSession(v) // unreadable: as good as gone
		}
		if other == nil {
			if err := m.sets.SRem(ctx, idx, keys[i]); err != nil {
				return 0, err
			}
			continue
		}
		m.bind(other) // the lifetimes in force, as Load reads it
		weight := proofRank(other)
		if other.User != s.User || other.Gen != s.Gen || now >= other.Expires {
			weight = -1 // refused on its next read: dead already
		}
		live = append(live, listed{key: keys[i], weight: weight, created: other.Created})
	}
	over := len(live) - (m.maxSessions() - 1)
	if over <= 0 {
		return 0, nil
	}
	slices.SortFunc(live, func(a, b listed) int {
		return cmp.Or(cmp.Compare(a.weight, b.weight), cmp.Compare(a.created, b.created))
	})
	rank := proofRank(s)
	for i, l := range live[:over] {
		if l.weight > rank {
			return i, nil // proved more than s: kept (sorted, so are the rest)
		}
		m.forget(l.key)
		if _, err := m.revokeKey(ctx, idx, l.key, nil); err != nil {
			return i, err
		}
	}
	return over, nil
}

// auditLimited audits n sessions of s's account that the per-account
// limit ended when s was written: sessions_limited, with how many
// (sessions_revoked) and the address of the client signing in, which s
// was stamped with (docs/contract.md, "Sessions per account").
func (l *Login) auditLimited(ctx context.Context, s *Session, n int) {
	l.obs.Audit(ctx, Client{IP: s.IP}, Event{Name: "sessions_limited", User: s.User, Attrs: []any{"sessions_revoked", n}})
}

// proofRank orders the sessions of an account by what they proved
// (docs/contract.md, "Sessions per account"): twice the factors (one a
// proof, two for a passkey that verified its user, Proof.UV), and one
// more when a factor other than the password is among them. So a session
// still owing its second factor, which the password alone makes, goes
// before one that completed it, and one that proved the password alone
// before one that proved a phone's code alone (a code-only sign-in):
// whoever has only the password, however many steps they make, cannot
// sign the person out by filling the account.
func proofRank(s *Session) int {
	n, other := 0, 0
	for _, p := range s.Proofs {
		n++
		if p.UV {
			n++
		}
		if p.Method != MethodPassword {
			other = 1
		}
	}
	return 2*n + other
}

// readMany returns the values under keys, nil where a key is missing, in
// one round trip when the store reads many keys at once.
func (m *Sessions) readMany(ctx context.Context, keys []string) ([][]byte, error) {
	if mg, ok := m.kv.(MultiGetter); ok {
		return mg.GetMany(ctx, keys)
	}
	out := make([][]byte, len(keys))
	for i, k := range keys {
		v, err := m.kv.Get(ctx, k)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return nil, err
		default:
			out[i] = v
		}
	}
	return out, nil
}
