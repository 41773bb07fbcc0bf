package auth

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sync"
	"time"
)

// Authentication methods a session can carry.
const (
	MethodPassword = "pwd"
	MethodSMS      = "sms"
	// MethodOTP is a code from an authenticator app (TOTP, RFC 8176
	// "otp"): a second factor, never the first.
	MethodOTP = "otp"
	// MethodHWK is a passkey or security key (WebAuthn, RFC 8176 "hwk";
	// docs/contract.md, "Passkeys"): a second factor after the password,
	// or both factors alone when the authenticator verified the user
	// (Proof.UV).
	MethodHWK = "hwk"
	// MethodRecovery is a recovery code (docs/contract.md, "Recovery
	// codes"): it stands in for the second factor, never for the password.
	MethodRecovery = "rc"
)

// Proof is one method the person proved, and when.
type Proof struct {
	Method string `json:"m"` // MethodPassword, MethodSMS, MethodOTP, MethodHWK or MethodRecovery
	At     int64  `json:"t"` // unix seconds
	// UV says a MethodHWK proof was user-verified: the authenticator
	// checked a PIN or biometric, so the proof counts as two factors.
	UV bool `json:"v,omitempty"`
}

// Pending is a login or step-up waiting for a code.
type Pending struct {
	User      string `json:"u,omitempty"`  // "" for an unknown phone: the code can never succeed
	Challenge string `json:"c,omitempty"`  // OTP challenge id
	Purpose   string `json:"k,omitempty"`  // "login"
	Remember  bool   `json:"r,omitempty"`  // the remember-me answer of the sign-in the code completes
	Phone     string `json:"ph,omitempty"` // E.164 destination (shown masked)
	// Until is, for a sign-up's code, when the sign-up's hold on its
	// username ends (unix seconds): no new code is started for it after
	// that, whether its number is free or taken (docs/contract.md,
	// "Sign-up").
	Until int64 `json:"t,omitempty"`
}

// Session is what the store keeps per cookie. The id itself is never
// stored: the store key is a hash of it.
type Session struct {
	ID       string  `json:"-"`           // the cookie value
	User     string  `json:"u,omitempty"` // "" before a first proof
	Proofs   []Proof `json:"p,omitempty"` // what was proved, one per method
	Created  int64   `json:"c"`           // unix seconds
	Expires  int64   `json:"e"`           // absolute deadline, unix seconds
	Remember bool    `json:"r,omitempty"` // lives RememberMe, no idle timeout
	// RememberAsked says the last answer to the remember-me box of a
	// sign-in that still owes a factor (a password awaiting its second
	// factor) was yes: the session is remembered only once the sign-in
	// completes (docs/contract.md, "Remember me").
	RememberAsked bool `json:"ra,omitempty"`
	// stored says the session was read from or written to the store
	// under ID: a write of it then carries what the store held, and is
	// made only while the store still holds it (docs/contract.md,
	// "Sessions end when they are ended"). It sits next to Remember and
	// RememberAsked so that the three share a word: a session decoded on
	// every check stays in its allocation size class.
	stored  bool     `json:"-"`
	Pending *Pending `json:"pd,omitempty"` // code expected
	Change  *Pending `json:"pc,omitempty"` // phone change awaiting its code
	IP      string   `json:"ip,omitempty"` // client at login, for the account page
	Agent   string   `json:"ua,omitempty"` // user agent at login (truncated)
	// Gen is the user's credential generation (User.Generation) when the
	// proofs were made; a session whose Gen is no longer the user's is
	// refused (docs/contract.md, "Sessions end when credentials change").
	Gen string `json:"g,omitempty"`
	// Handle names the session on the account page and in the console
	// from its sign-in on: random, kept when the id changes, so that
	// ending the session by the handle a list showed still ends it after
	// a step-up gave it a new id (docs/contract.md, "Sessions end when
	// they are ended").
	Handle string `json:"h,omitempty"`
	// Device is a known-device cookie value for the browser to keep with
	// this session's cookie, set by the login service when a sign-in
	// completed (docs/contract.md, "Known devices"); never stored.
	Device string `json:"-"`
}

// Authenticated reports whether the session has proved anything.
func (s *Session) Authenticated() bool { return s.User != "" && len(s.Proofs) > 0 }

// Has reports whether method was proved, and no earlier than notBefore
// (zero time = any age).
func (s *Session) Has(method string, notBefore time.Time) bool {
	for _, p := range s.Proofs {
		if p.Method == method {
			return p.since(notBefore)
		}
	}
	return false
}

// since reports whether p was proved no earlier than notBefore (zero
// time = any age): the one reading of a route's max_auth_age.
func (p Proof) since(notBefore time.Time) bool {
	return notBefore.IsZero() || p.At >= notBefore.Unix()
}

// ProvedSince returns s with only the proofs made no earlier than
// notBefore: what a route with max_auth_age counts, and so all its app
// is told was proved (docs/contract.md, "Identity headers"). It is s
// itself for the zero time, else a copy that must not be saved.
func (s *Session) ProvedSince(notBefore time.Time) *Session {
	if notBefore.IsZero() {
		return s
	}
	v := *s
	v.Proofs = make([]Proof, 0, len(s.Proofs))
	for _, p := range s.Proofs {
		if p.since(notBefore) {
			v.Proofs = append(v.Proofs, p)
		}
	}
	return &v
}

// HasVerifiedKey reports whether a user-verified passkey was proved, no
// earlier than notBefore: two factors in one (docs/contract.md,
// "Passkeys").
func (s *Session) HasVerifiedKey(notBefore time.Time) bool {
	for _, p := range s.Proofs {
		if p.Method == MethodHWK {
			return p.UV && p.since(notBefore)
		}
	}
	return false
}

// Satisfies reports whether the session meets a policy's need for
// method, proved no earlier than notBefore: as Has, except that a
// recovery code stands in for any second factor (a text-message code,
// an authenticator app's code or a passkey; docs/contract.md, "Recovery
// codes"), and a user-verified passkey stands in for the password. Only
// the login service's RecoveryCode adds a recovery code, and only after
// the password.
func (s *Session) Satisfies(method string, notBefore time.Time) bool {
	switch method {
	case MethodSMS, MethodOTP, MethodHWK:
		if s.Has(MethodRecovery, notBefore) {
			return true
		}
	case MethodPassword:
		if s.HasVerifiedKey(notBefore) {
			return true
		}
	}
	return s.Has(method, notBefore)
}

// SessionMethods are the methods a session can carry, in canonical order.
var SessionMethods = [...]string{MethodPassword, MethodSMS, MethodOTP, MethodHWK, MethodRecovery}

// Methods returns the proved methods in canonical order (pwd, sms, otp,
// hwk, rc).
func (s *Session) Methods() []string {
	out := make([]string, 0, 2)
	for _, m := range SessionMethods {
		if s.Has(m, time.Time{}) {
			out = append(out, m)
		}
	}
	return out
}

// ExpiresAt is the absolute deadline.
func (s *Session) ExpiresAt() time.Time { return time.Unix(s.Expires, 0) }

// SessionConfig are the lifetimes (config.Session, resolved).
type SessionConfig struct {
	IdleTimeout     time.Duration // a session unused this long ends
	AbsoluteTimeout time.Duration // a session ends this long after sign-in
	RememberMe      time.Duration // 0 disables remember-me
	MaxPerUser      int           // sessions one account keeps; 0 is MaxUserSessions
}

// Sessions creates, loads, rotates and deletes sessions in a KV store.
// Ids are 256-bit random values; the store key is "s:" + SHA-256(id), so a
// store dump reveals no usable cookie. Idle expiry is the key's TTL, slid
// forward with Expire at most once per IdleTimeout/10 per session and
// process (never a rewrite, so a rotated-away session cannot come back).
type Sessions struct {
	kv    KV
	sets  SetStore // per-user index of sessions; nil when kv has no sets
	cfg   SessionConfig
	clock Clock
	log   *slog.Logger
	// limited is told of the n sessions the per-account limit ended when
	// s was written (limitUser); NewLogin has its Observer told. nil
	// tells no one.
	limited func(ctx context.Context, s *Session, n int)

	mu        sync.Mutex
	seed      maphash.Seed
	refreshed map[uint64]int64 // memoKey(store key) → unix nanos of next allowed refresh
	memoPeak  int              // the most entries refreshed held at a sweep (mapshrink)
	sweepAt   int64
}

// NewSessions returns a session manager over kv.
func NewSessions(kv KV, cfg SessionConfig, clock Clock, log *slog.Logger) *Sessions {
	if clock == nil {
		clock = SystemClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Sessions{kv: kv, cfg: cfg, clock: clock, log: log, seed: maphash.MakeSeed(), refreshed: make(map[uint64]int64)}
	m.sets, _ = kv.(SetStore)
	return m
}

// Config returns the lifetimes the manager runs with.
func (m *Sessions) Config() SessionConfig { return m.cfg }

// New returns a fresh, unsaved session with a new id.
func (m *Sessions) New() (*Session, error) {
	id, err := RandomToken(32)
	if err != nil {
		return nil, err
	}
	now := m.clock.Now()
	return &Session{ID: id, Created: now.Unix(), Expires: now.Add(m.cfg.AbsoluteTimeout).Unix()}, nil
}

// Load returns the session for cookie value id, or ErrSessionNotFound.
// Store failures wrap ErrStoreUnavailable. It refreshes the idle expiry
// when due.
func (m *Sessions) Load(ctx context.Context, id string) (*Session, error) {
	if !wellFormedID(id) {
		return nil, ErrSessionNotFound
	}
	key := sessionKey(id)
	data, err := m.kv.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrSessionNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("session: load: %w", err)
	}
	s, err := decodeSession(data)
	if err != nil {
		m.log.WarnContext(ctx, "session: corrupt entry dropped", "error", err)
		return nil, ErrSessionNotFound
	}
	m.bind(s)
	now := m.clock.Now()
	if now.Unix() >= s.Expires {
		return nil, ErrSessionNotFound
	}
	s.ID, s.stored = id, true
	if !s.Remember && m.refreshDue(key, now) {
		alive, err := m.kv.Expire(ctx, key, m.ttl(s, now))
		switch {
		case err != nil:
			m.log.WarnContext(ctx, "session: idle refresh failed", "error", err)
		case !alive:
			// Gone from the store since it was read (logged out, or idle
			// expired while a cache still held it).
			m.forget(key)
			return nil, ErrSessionNotFound
		}
	}
	return s, nil
}

// wellFormedID reports whether id can be a cookie value New made: 32
// bytes, raw base64url. Any other names no session, and costs no store
// round trip.
func wellFormedID(id string) bool { return len(id) == 43 }

// memoKey is the idle-refresh memo's key for a session's store key: a
// 64-bit keyed hash, a quarter of the memory of the key itself. Two
// sessions colliding (about one chance in thirty million among a million
// sessions) would only share a refresh schedule.
func (m *Sessions) memoKey(key string) uint64 { return maphash.String(m.seed, key) }

// forget drops the idle-refresh memo of the session under key.
func (m *Sessions) forget(key string) {
	m.mu.Lock()
	delete(m.refreshed, m.memoKey(key))
	m.mu.Unlock()
}

// Delete removes the session with cookie value id.
func (m *Sessions) Delete(ctx context.Context, id string) error {
	if _, err := m.drop(ctx, id); err != nil {
		return fmt.Errorf("session: delete: %w", err)
	}
	return nil
}

// drop deletes the session with cookie value id from the store and from
// the refresh memo, and reports whether the store held it.
func (m *Sessions) drop(ctx context.Context, id string) (bool, error) {
	key := sessionKey(id)
	m.forget(key)
	return m.kv.Delete(ctx, key)
}

// MaxAge is how long the cookie should live: 0 for a browser-session
// cookie, the remaining lifetime for a remembered session.
func (m *Sessions) MaxAge(s *Session) time.Duration {
	if !s.Remember {
		return 0
	}
	return s.ExpiresAt().Sub(m.clock.Now()).Round(time.Second)
}
