package auth

// How long a session's store key lives, and the idle slide: a check
// rewrites nothing but moves the idle expiry on at most once per tenth of
// session.idle_timeout (docs/performance.md, "The knobs"), which a memo of
// the sessions refreshed lately decides.

import (
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/mapshrink"
)

// ttl is how long s's key should live from now: what is left of its
// absolute lifetime, at most the idle timeout for a session not
// remembered, at most PasskeyCeremonyTTL for one that holds nothing (made
// before any proof to bind a passkey ceremony to, which ends by then:
// docs/contract.md, "Passkeys"), at least a second.
func (m *Sessions) ttl(s *Session, now time.Time) time.Duration {
	left := time.Unix(s.Expires, 0).Sub(now)
	if !s.Remember && m.cfg.IdleTimeout > 0 && m.cfg.IdleTimeout < left {
		left = m.cfg.IdleTimeout
	}
	if s.User == "" && len(s.Proofs) == 0 && s.Pending == nil && s.Change == nil {
		left = min(left, PasskeyCeremonyTTL)
	}
	if left < time.Second {
		left = time.Second
	}
	return left
}

// bind applies the lifetimes configured now to s, read from the store
// (docs/contract.md, "Reload"): a reload that shortened them binds the
// sessions signed in before it. s ends absolute_timeout after its
// sign-in, or, remembered, remember_me after the sign-in completed
// (docs/contract.md, "Remember me"), which is within absolute_timeout of
// the sign-in; remember-me turned off makes a remembered session one like
// the others (the idle timeout, a browser-session cookie). Unchanged
// lifetimes change nothing.
func (m *Sessions) bind(s *Session) {
	if m.cfg.AbsoluteTimeout <= 0 {
		return
	}
	if s.Remember && m.cfg.RememberMe <= 0 {
		s.Remember = false
	}
	life := m.cfg.AbsoluteTimeout
	if s.Remember {
		life += m.cfg.RememberMe
	}
	s.Expires = min(s.Expires, s.Created+int64(life/time.Second))
}

func (m *Sessions) refreshDue(key string, now time.Time) bool {
	n, k := now.UnixNano(), m.memoKey(key) // hashed before taking the lock every check takes
	m.mu.Lock()
	defer m.mu.Unlock()
	if next, ok := m.refreshed[k]; ok && n < next {
		return false
	}
	m.refreshed[k] = n + int64(m.cfg.IdleTimeout/10)
	m.sweepLocked(n)
	return true
}

func (m *Sessions) markRefreshed(key string, now time.Time) {
	n, k := now.UnixNano(), m.memoKey(key)
	m.mu.Lock()
	m.refreshed[k] = n + int64(m.cfg.IdleTimeout/10)
	m.sweepLocked(n)
	m.mu.Unlock()
}

// sweepLocked drops memo entries that are due anyway, at most once per
// refresh interval, so the map stays the size of the active sessions,
// and gives back the room of a burst gone by the way the memory store
// does (mapshrink; docs/contract.md, "Store housekeeping").
func (m *Sessions) sweepLocked(now int64) {
	if now < m.sweepAt {
		return
	}
	m.sweepAt = now + int64(m.cfg.IdleTimeout/10)
	m.memoPeak = max(m.memoPeak, len(m.refreshed))
	for k, next := range m.refreshed {
		if next <= now {
			delete(m.refreshed, k)
		}
	}
	m.refreshed, m.memoPeak = mapshrink.Shrunk(m.refreshed, m.memoPeak)
}
