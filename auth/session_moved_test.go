package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// TestSignOutEndsTheSessionItsIDBecame: alice signs out with an id that a
// step-up of the same session (another tab) replaces at some moment
// around the sign-out. Whenever the rotation lands, the session ends
// under every id it has, and no other session of alice's ends; once
// MovedTTL has passed, the old id ends nothing any more
// (docs/contract.md, "Sessions end when they are ended").
func TestSignOutEndsTheSessionItsIDBecame(t *testing.T) {
	stepUp := func(t *testing.T, m *auth.Sessions, s *auth.Session) {
		t.Helper()
		if err := m.AddProof(context.Background(), s, account("alice"), auth.MethodSMS, auth.SignIn{}); err != nil {
			t.Errorf("the step-up: %v", err)
		}
	}
	for _, tc := range []struct {
		name string
		// run signs out with old while s, read under old, is stepped up.
		run  func(t *testing.T, m *auth.Sessions, st *lateEndStore, clock *storetest.Clock, s *auth.Session, old string) (string, error)
		ends bool // the session ends
	}{
		{"step-up answered before the sign-out", func(t *testing.T, m *auth.Sessions, _ *lateEndStore, _ *storetest.Clock, s *auth.Session, old string) (string, error) {
			stepUp(t, m, s)
			return m.End(context.Background(), old)
		}, true},
		{"two step-ups before the sign-out", func(t *testing.T, m *auth.Sessions, _ *lateEndStore, _ *storetest.Clock, s *auth.Session, old string) (string, error) {
			stepUp(t, m, s)
			stepUp(t, m, s)
			return m.End(context.Background(), old)
		}, true},
		{"step-up between the sign-out's read and its delete", func(t *testing.T, m *auth.Sessions, st *lateEndStore, _ *storetest.Clock, s *auth.Session, old string) (string, error) {
			if _, err := m.Load(context.Background(), old); err != nil {
				t.Fatal(err)
			}
			st.arm(old, func() { stepUp(t, m, s) })
			return m.End(context.Background(), old)
		}, true},
		{"sign-out after the pointer expired", func(t *testing.T, m *auth.Sessions, _ *lateEndStore, clock *storetest.Clock, s *auth.Session, old string) (string, error) {
			stepUp(t, m, s)
			clock.Advance(auth.MovedTTL + time.Second)
			return m.End(context.Background(), old)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
			st := &lateEndStore{Store: memstore.New(clock)}
			m := auth.NewSessions(st, auth.SessionConfig{IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 12 * time.Hour}, clock, nil)
			other := login(t, m, "alice", false)
			s := login(t, m, "alice", false)
			old := s.ID
			user, err := tc.run(t, m, st, clock, s, old)
			if err != nil {
				t.Fatal(err)
			}
			if s.ID == old {
				t.Fatal("the step-up gave the session no new id")
			}
			_, err = m.Load(ctx, s.ID)
			if ended := errors.Is(err, auth.ErrSessionNotFound); ended != tc.ends {
				t.Errorf("the id the step-up gave: ended %v, want %v (err %v)", ended, tc.ends, err)
			}
			if want := map[bool]string{true: "alice"}[tc.ends]; user != want {
				t.Errorf("End followed the rotation to the session of %q, want %q", user, want)
			}
			if _, err := m.Load(ctx, old); !errors.Is(err, auth.ErrSessionNotFound) {
				t.Errorf("the old id loads after the sign-out (err %v)", err)
			}
			if _, err := m.Load(ctx, other.ID); err != nil {
				t.Errorf("alice's other session ended with this one: %v", err)
			}
		})
	}
}

// noPointerStore refuses to write a rotation's pointer.
type noPointerStore struct{ *memstore.Store }

func (s noPointerStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if strings.HasPrefix(key, "sm:") {
		return auth.ErrStoreUnavailable
	}
	return s.Store.Set(ctx, key, value, ttl)
}

// TestRotationThatCannotLeaveItsPointerFails: a step-up whose pointer for
// a sign-out could not be written fails closed: the error, the session
// still under its old id, and no second id of it in the store
// (docs/contract.md, "Sessions end when they are ended").
func TestRotationThatCannotLeaveItsPointerFails(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	m := auth.NewSessions(noPointerStore{memstore.New(clock)}, auth.SessionConfig{IdleTimeout: 30 * time.Minute, AbsoluteTimeout: 12 * time.Hour}, clock, nil)
	s, err := m.Load(ctx, login(t, m, "alice", false).ID)
	if err != nil {
		t.Fatal(err)
	}
	old := s.ID
	if err := m.AddProof(ctx, s, account("alice"), auth.MethodSMS, auth.SignIn{}); !errors.Is(err, auth.ErrStoreUnavailable) {
		t.Fatalf("step-up without its pointer = %v, want ErrStoreUnavailable", err)
	}
	if s.ID != old {
		t.Error("a failed step-up handed out a new id")
	}
	if _, err := m.Load(ctx, old); err != nil {
		t.Errorf("the session after a failed step-up: %v", err)
	}
	list, err := m.ListUser(ctx, account("alice"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("%d sessions of alice after a failed step-up, want 1", len(list))
	}
}
