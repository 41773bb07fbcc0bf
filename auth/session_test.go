package auth_test

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// countingKV counts Expire calls and remembers written keys and values.
type countingKV struct {
	auth.KV
	expires atomic.Int32
	keys    []string
	values  [][]byte
}

func (c *countingKV) Expire(ctx context.Context, k string, ttl time.Duration) (bool, error) {
	c.expires.Add(1)
	return c.KV.Expire(ctx, k, ttl)
}

func (c *countingKV) Set(ctx context.Context, k string, v []byte, ttl time.Duration) error {
	c.keys = append(c.keys, k)
	c.values = append(c.values, append([]byte(nil), v...))
	return c.KV.Set(ctx, k, v, ttl)
}

func (c *countingKV) SetIfExists(ctx context.Context, k string, v []byte, ttl time.Duration) (bool, error) {
	c.keys = append(c.keys, k)
	c.values = append(c.values, append([]byte(nil), v...))
	return c.KV.SetIfExists(ctx, k, v, ttl)
}

func newSessions(t *testing.T) (*auth.Sessions, *countingKV, *storetest.Clock) {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	kv := &countingKV{KV: memstore.New(clock)}
	return auth.NewSessions(kv, auth.SessionConfig{IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 12 * time.Hour, RememberMe: 720 * time.Hour}, clock, nil), kv, clock
}

// indexedSessions is sessions on the memory store itself, which keeps
// each user's index of sessions (the account page's list, revocations).
func indexedSessions(t *testing.T) (*auth.Sessions, *storetest.Clock) {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	return auth.NewSessions(memstore.New(clock), auth.SessionConfig{IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 12 * time.Hour}, clock, nil), clock
}

// account is the user name, in its first credential generation.
func account(name string) *auth.User { return &auth.User{Username: name, Generation: "gen-1"} }

func login(t *testing.T, m *auth.Sessions, user string, remember bool) *auth.Session {
	t.Helper()
	s, err := m.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.AddProof(context.Background(), s, account(user), auth.MethodPassword, auth.SignIn{Remember: auth.Answer(remember), Complete: true}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSessionIDs(t *testing.T) {
	m, kv, _ := newSessions(t)
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		s := login(t, m, "alice", false)
		if len(s.ID) != 43 || seen[s.ID] {
			t.Fatalf("id %q: wrong length or repeated", s.ID)
		}
		seen[s.ID] = true
	}
	for i, k := range kv.keys {
		for id := range seen {
			if bytes.Contains([]byte(k), []byte(id)) || bytes.Contains(kv.values[i], []byte(id)) {
				t.Fatal("a session id appears in a store key or value")
			}
		}
	}
}

func TestSessionLoadAndRotate(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newSessions(t)
	s, _ := m.New()
	preLogin := s.ID
	if err := m.Save(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := m.AddProof(ctx, s, account("alice"), auth.MethodPassword, auth.SignIn{}); err != nil {
		t.Fatal(err)
	}
	if s.ID == preLogin {
		t.Fatal("id not rotated when methods changed")
	}
	if _, err := m.Load(ctx, preLogin); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Fatalf("pre-login id still loads: %v", err)
	}
	afterPwd := s.ID
	if err := m.AddProof(ctx, s, account("alice"), auth.MethodSMS, auth.SignIn{}); err != nil {
		t.Fatal(err)
	}
	if s.ID == afterPwd {
		t.Fatal("id not rotated on step-up")
	}
	if _, err := m.Load(ctx, afterPwd); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Fatal("old id still loads after step-up")
	}
	got, err := m.Load(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.User != "alice" || len(got.Methods()) != 2 || got.Methods()[0] != "pwd" || got.Methods()[1] != "sms" {
		t.Fatalf("loaded %+v, methods %v", got, got.Methods())
	}
	// Proving a method as another user starts a new login, not a step-up.
	if err := m.AddProof(ctx, got, account("bob"), auth.MethodPassword, auth.SignIn{}); err != nil {
		t.Fatal(err)
	}
	if got.User != "bob" || got.Has(auth.MethodSMS, time.Time{}) {
		t.Fatalf("bob inherited alice's proofs: %+v", got)
	}
	for _, bad := range []string{"", "short", string(make([]byte, 43)), "x" + s.ID[1:]} {
		if _, err := m.Load(ctx, bad); !errors.Is(err, auth.ErrSessionNotFound) {
			t.Errorf("Load(%q) err = %v", bad, err)
		}
	}
}

func TestSessionTimeouts(t *testing.T) {
	ctx := context.Background()
	t.Run("idle", func(t *testing.T) {
		m, _, clock := newSessions(t)
		s := login(t, m, "alice", false)
		for i := 0; i < 5; i++ { // activity keeps it alive past the idle timeout
			clock.Advance(20 * time.Minute)
			if _, err := m.Load(ctx, s.ID); err != nil {
				t.Fatalf("active session died after %d×20m: %v", i+1, err)
			}
		}
		clock.Advance(31 * time.Minute)
		if _, err := m.Load(ctx, s.ID); !errors.Is(err, auth.ErrSessionNotFound) {
			t.Fatalf("idle session survived: %v", err)
		}
	})
	t.Run("absolute", func(t *testing.T) {
		m, _, clock := newSessions(t)
		s := login(t, m, "alice", false)
		for elapsed := time.Duration(0); elapsed < 12*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
			clock.Advance(20 * time.Minute)
			if _, err := m.Load(ctx, s.ID); err != nil {
				t.Fatalf("died early at %v: %v", elapsed, err)
			}
		}
		clock.Advance(40 * time.Minute)
		if _, err := m.Load(ctx, s.ID); !errors.Is(err, auth.ErrSessionNotFound) {
			t.Fatalf("session outlived absolute_timeout: %v", err)
		}
	})
	t.Run("remember me", func(t *testing.T) {
		m, _, clock := newSessions(t)
		s := login(t, m, "alice", true)
		if age := m.MaxAge(s); age != 720*time.Hour {
			t.Fatalf("MaxAge = %v, want 720h", age)
		}
		clock.Advance(48 * time.Hour) // no activity for two days
		if _, err := m.Load(ctx, s.ID); err != nil {
			t.Fatalf("remembered session died: %v", err)
		}
		clock.Advance(700 * time.Hour)
		if _, err := m.Load(ctx, s.ID); !errors.Is(err, auth.ErrSessionNotFound) {
			t.Fatal("remembered session outlived remember_me")
		}
		plain := login(t, m, "bob", false)
		if m.MaxAge(plain) != 0 {
			t.Fatal("non-remembered session got a persistent cookie")
		}
	})
	t.Run("max age proofs", func(t *testing.T) {
		m, _, clock := newSessions(t)
		s := login(t, m, "alice", false)
		clock.Advance(11 * time.Minute)
		if s.Has(auth.MethodPassword, clock.Now().Add(-10*time.Minute)) {
			t.Fatal("11-minute-old proof counted as fresher than 10 minutes")
		}
		if !s.Has(auth.MethodPassword, time.Time{}) {
			t.Fatal("proof lost")
		}
	})
}

func TestSessionRefreshIsRare(t *testing.T) {
	ctx := context.Background()
	m, kv, clock := newSessions(t)
	s := login(t, m, "alice", false)
	for i := 0; i < 1000; i++ {
		if _, err := m.Load(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
	}
	if n := kv.expires.Load(); n != 0 {
		t.Fatalf("%d idle refreshes right after login, want 0", n)
	}
	clock.Advance(3*time.Minute + time.Second) // idle/10
	for i := 0; i < 1000; i++ {
		m.Load(ctx, s.ID)
	}
	if n := kv.expires.Load(); n != 1 {
		t.Fatalf("%d refreshes after idle/10, want 1", n)
	}
}

func TestSessionDeleteAndNoResurrection(t *testing.T) {
	ctx := context.Background()
	m, _, clock := newSessions(t)
	s := login(t, m, "alice", false)
	id := s.ID
	if err := m.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	clock.Advance(10 * time.Minute) // a refresh would be due
	if _, err := m.Load(ctx, id); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Fatal("deleted session loads")
	}
}

func TestSessionIndexPerUser(t *testing.T) {
	ctx := context.Background()
	m, clock := indexedSessions(t)
	a1 := login(t, m, "alice", false)
	clock.Advance(time.Minute)
	a2 := login(t, m, "alice", false)
	a3 := login(t, m, "alice", false)
	b1 := login(t, m, "bob", false)
	// Step-up rotates: the index must follow the new id.
	if err := m.AddProof(ctx, a3, account("alice"), auth.MethodSMS, auth.SignIn{}); err != nil {
		t.Fatal(err)
	}
	list, err := m.ListUser(ctx, account("alice"), a2.ID)
	if err != nil || len(list) != 3 {
		t.Fatalf("ListUser = %d sessions, %v; want 3", len(list), err)
	}
	current := 0
	for _, s := range list {
		if s.Current {
			current++
		}
	}
	if current != 1 {
		t.Errorf("%d sessions marked current", current)
	}
	if ok, _ := m.RevokeOne(ctx, "bob", list[0].Handle); ok {
		t.Fatal("bob revoked alice's session")
	}
	n, err := m.RevokeUser(ctx, "alice", a2.ID)
	if err != nil || n != 2 {
		t.Fatalf("RevokeUser = %d, %v; want 2", n, err)
	}
	for _, s := range []*auth.Session{a1, a3} {
		if _, err := m.Load(ctx, s.ID); !errors.Is(err, auth.ErrSessionNotFound) {
			t.Errorf("revoked session %s still loads", s.User)
		}
	}
	for _, s := range []*auth.Session{a2, b1} {
		if _, err := m.Load(ctx, s.ID); err != nil {
			t.Errorf("kept session of %s lost: %v", s.User, err)
		}
	}
	list, _ = m.ListUser(ctx, account("alice"), "")
	if ok, err := m.RevokeOne(ctx, "alice", list[0].Handle); !ok || err != nil {
		t.Fatalf("RevokeOne = %v, %v", ok, err)
	}
	if _, err := m.Load(ctx, a2.ID); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Error("RevokeOne did not end the session")
	}
}

// TestSessionsFollowTheCredentialGeneration checks the binding of a
// session to its user's credential generation: a proof under a new one
// starts the session over, Restamp carries a session into the new one
// under a new id, and the account page's list leaves out the dead.
func TestSessionsFollowTheCredentialGeneration(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	m := auth.NewSessions(memstore.New(clock), auth.SessionConfig{IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 12 * time.Hour, RememberMe: 720 * time.Hour}, clock, nil)
	old := login(t, m, "alice", true)
	if old.Gen != "gen-1" {
		t.Fatalf("Gen = %q, want the user's generation", old.Gen)
	}
	other := login(t, m, "alice", false)
	changed := &auth.User{Username: "alice", Generation: "gen-2"}

	// A step-up under the new generation is a new login: the old
	// password proof and remember-me do not carry over.
	stale, err := m.Load(ctx, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.AddProof(ctx, stale, changed, auth.MethodSMS, auth.SignIn{}); err != nil {
		t.Fatal(err)
	}
	if stale.Gen != "gen-2" || stale.Has(auth.MethodPassword, time.Time{}) || stale.Remember {
		t.Fatalf("proof under a new generation kept the old proofs: %+v", stale)
	}

	// Restamp keeps the proofs, changes the id and kills the old one.
	before := other.ID
	if err := m.Restamp(ctx, other, changed); err != nil {
		t.Fatal(err)
	}
	if other.ID == before || other.Gen != "gen-2" || !other.Has(auth.MethodPassword, time.Time{}) {
		t.Fatalf("Restamp = %+v", other)
	}
	if _, err := m.Load(ctx, before); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Error("the id before Restamp still loads")
	}
	if err := m.Restamp(ctx, other, account("bob")); err == nil {
		t.Error("Restamp moved alice's session to bob")
	}

	left := login(t, m, "alice", false) // still gen-1: dead for the list
	list, err := m.ListUser(ctx, changed, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("ListUser under gen-2 = %d sessions, want 2 (not %s)", len(list), left.User)
	}
	for _, si := range list {
		if si.Handle == auth.SessionHandle(left.ID) {
			t.Error("a session of the old generation is listed")
		}
	}
}

// staleKV answers Get with what it read first, like a cache that has not
// yet heard that the key changed.
type staleKV struct {
	auth.KV
	held map[string][]byte
}

func (s *staleKV) Get(ctx context.Context, k string) ([]byte, error) {
	if v, ok := s.held[k]; ok {
		return v, nil
	}
	v, err := s.KV.Get(ctx, k)
	if err == nil {
		s.held[k] = v
	}
	return v, err
}

func TestSessionGoneFromTheStoreIsNotRevivedByAStaleRead(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	store := memstore.New(clock)
	kv := &staleKV{KV: store, held: map[string][]byte{}}
	m := auth.NewSessions(kv, auth.SessionConfig{IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 12 * time.Hour}, clock, nil)
	s := login(t, m, "alice", false)
	if _, err := m.Load(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	// The session idles out in the store while the stale reader still
	// holds it: the next idle refresh finds the key gone.
	clock.Advance(31 * time.Minute)
	if _, err := m.Load(ctx, s.ID); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Fatalf("Load of a session the store no longer has = %v, want ErrSessionNotFound", err)
	}
}
