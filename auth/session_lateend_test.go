package auth_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// lateEndStore is the memory store with an end (a revocation, a
// sign-out) that lands as late as a request's write of one session key
// lets it: once armed, after the last check of the key (an Expire that
// found it) and before the write (a Set, a conditional write, the
// Delete of a rotation), whichever comes first. Only the end is
// injected; every call is answered by the memory store.
type lateEndStore struct {
	*memstore.Store
	mu      sync.Mutex
	watched string // store key of the session; "" when disarmed
	end     func() // the end, run once
	listed  func() // once armed by armList, run after the next SMembers answers
}

// arm makes end land at the last moment of the next write of the
// session with cookie value id.
func (s *lateEndStore) arm(id string, end func()) {
	s.mu.Lock()
	s.watched, s.end = auth.SessionHandle(id), end
	s.mu.Unlock()
}

// armList runs f once, after the next SMembers has answered.
func (s *lateEndStore) armList(f func()) {
	s.mu.Lock()
	s.listed = f
	s.mu.Unlock()
}

// fire runs the end if key is the watched one, once.
func (s *lateEndStore) fire(key string) {
	s.mu.Lock()
	end := s.end
	if key != s.watched || end == nil {
		s.mu.Unlock()
		return
	}
	s.watched, s.end = "", nil
	s.mu.Unlock()
	end()
}

func (s *lateEndStore) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := s.Store.Expire(ctx, key, ttl)
	if ok {
		s.fire(key) // the key was there when checked: the end comes right after
	}
	return ok, err
}

func (s *lateEndStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	s.fire(key)
	return s.Store.Set(ctx, key, value, ttl)
}

func (s *lateEndStore) SetIfExists(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	s.fire(key)
	return s.Store.SetIfExists(ctx, key, value, ttl)
}

func (s *lateEndStore) Delete(ctx context.Context, key string) (bool, error) {
	s.fire(key)
	return s.Store.Delete(ctx, key)
}

func (s *lateEndStore) SMembers(ctx context.Context, key string) ([]string, error) {
	members, err := s.Store.SMembers(ctx, key)
	s.mu.Lock()
	f := s.listed
	s.listed = nil
	s.mu.Unlock()
	if f != nil {
		f()
	}
	return members, err
}

// newLateEnd returns sessions over a lateEndStore, and an administrator's
// sessions manager over the memory store itself, whose ends land
// unhindered.
func newLateEnd(t *testing.T) (*auth.Sessions, *lateEndStore, *auth.Sessions) {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	mem := memstore.New(clock)
	st := &lateEndStore{Store: mem}
	cfg := auth.SessionConfig{IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 12 * time.Hour}
	return auth.NewSessions(st, cfg, clock, nil), st, auth.NewSessions(mem, cfg, clock, nil)
}

// TestEndBetweenCheckAndWriteIsNotMissed: a request read alice's session
// and writes it (a code sent, a proof added, a new id); an end lands at
// the last moment before the write: after the store said the session
// was still there, before the write reached the store. Before, the
// check and the write were two store operations, and the write brought
// the ended session back, with every proof. The write is now one
// conditional operation (docs/contract.md, "Sessions end when they are
// ended").
func TestEndBetweenCheckAndWriteIsNotMissed(t *testing.T) {
	ends := []struct {
		name string
		end  func(ctx context.Context, admin *auth.Sessions, id string) error
	}{
		{"administrator ends every session", func(ctx context.Context, admin *auth.Sessions, _ string) error {
			_, err := admin.RevokeUser(ctx, "alice", "")
			return err
		}},
		{"administrator ends that session", func(ctx context.Context, admin *auth.Sessions, id string) error {
			_, err := admin.RevokeOne(ctx, "alice", auth.SessionHandle(id))
			return err
		}},
		{"sign-out", func(ctx context.Context, admin *auth.Sessions, id string) error {
			return admin.Delete(ctx, id)
		}},
	}
	for _, e := range ends {
		for _, w := range sessionWrites {
			t.Run(e.name+"/"+w.name, func(t *testing.T) {
				ctx := context.Background()
				m, st, admin := newLateEnd(t)
				id := login(t, m, "alice", false).ID
				inFlight, err := m.Load(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				ended := false
				st.arm(id, func() {
					if err := e.end(ctx, admin, id); err != nil {
						t.Errorf("the end: %v", err)
					}
					ended = true
				})
				if err := w.write(ctx, m, inFlight); !errors.Is(err, auth.ErrSessionNotFound) {
					t.Errorf("%s of a session ended before its write = %v, want ErrSessionNotFound", w.name, err)
				}
				if !ended {
					t.Fatalf("%s made no store call on the session's key: the end never landed", w.name)
				}
				for _, id := range []string{id, inFlight.ID} {
					if _, err := m.Load(ctx, id); !errors.Is(err, auth.ErrSessionNotFound) {
						t.Errorf("the ended session loads again after %s (err %v)", w.name, err)
					}
				}
				for _, gen := range []string{"gen-1", "gen-2"} {
					list, err := m.ListUser(ctx, &auth.User{Username: "alice", Generation: gen}, "")
					if err != nil {
						t.Fatal(err)
					}
					if len(list) != 0 {
						t.Errorf("%d sessions of %s listed after the session was ended, want 0", len(list), gen)
					}
				}
			})
		}
	}
}

// TestRevocationOutrunsARotation: an administrator ends every session of
// alice; the revocation reads alice's index of sessions, and before it
// deletes them, a request of alice's session rotates it (a step-up's
// proof: a new id, the old one deleted). The revocation then finds the
// old id gone; before, the new id, never listed, lived on. A rotation
// writes its new id into the index before it deletes the old one, and
// a revocation reads the index again until it finds nothing it has not
// ended (docs/contract.md, "Sessions end when they are ended").
func TestRevocationOutrunsARotation(t *testing.T) {
	ctx := context.Background()
	m, st, _ := newLateEnd(t)
	inFlight, err := m.Load(ctx, login(t, m, "alice", false).ID)
	if err != nil {
		t.Fatal(err)
	}
	other := login(t, m, "alice", false)
	st.armList(func() {
		if err := m.AddProof(ctx, inFlight, account("alice"), auth.MethodSMS, auth.SignIn{}); err != nil {
			t.Errorf("the rotation: %v", err)
		}
	})
	if _, err := m.RevokeUser(ctx, "alice", ""); err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]string{"the rotated session": inFlight.ID, "another session": other.ID} {
		if _, err := m.Load(ctx, id); !errors.Is(err, auth.ErrSessionNotFound) {
			t.Errorf("%s of alice outlives the end of every one (err %v)", name, err)
		}
	}
	list, err := m.ListUser(ctx, account("alice"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Errorf("%d sessions listed after every one was ended, want 0", len(list))
	}
}
