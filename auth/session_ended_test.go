package auth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// sessionWrites are the ways a request writes a session it loaded: a
// code sent (Save), a proof added, a new id, a credential change's
// re-issue.
var sessionWrites = []struct {
	name  string
	write func(ctx context.Context, m *auth.Sessions, s *auth.Session) error
}{
	{"Save", func(ctx context.Context, m *auth.Sessions, s *auth.Session) error {
		s.Pending = &auth.Pending{User: s.User, Challenge: "c", Purpose: "login"}
		return m.Save(ctx, s)
	}},
	{"AddProof", func(ctx context.Context, m *auth.Sessions, s *auth.Session) error {
		return m.AddProof(ctx, s, account(s.User), auth.MethodSMS, auth.SignIn{})
	}},
	{"Rotate", func(ctx context.Context, m *auth.Sessions, s *auth.Session) error {
		return m.Rotate(ctx, s)
	}},
	{"Restamp", func(ctx context.Context, m *auth.Sessions, s *auth.Session) error {
		return m.Restamp(ctx, s, &auth.User{Username: s.User, Generation: "gen-2"})
	}},
}

// TestEndedSessionIsNeverWrittenBack: a request loads a session, and
// while it works (a text being sent, a password being hashed) the
// session is ended (an administrator's revocation, a sign-out, "sign
// out everywhere"). Its write afterwards must not bring the session
// back: before, Save wrote it under its id and Rotate under a new one,
// with every proof, so a thief who kept a request in flight outlived
// every revocation (docs/contract.md, "Sessions end when they are
// ended").
func TestEndedSessionIsNeverWrittenBack(t *testing.T) {
	for _, tc := range sessionWrites {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			m, _ := indexedSessions(t)
			id := login(t, m, "alice", false).ID
			inFlight, err := m.Load(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.RevokeUser(ctx, "alice", ""); err != nil {
				t.Fatal(err)
			}
			if err := tc.write(ctx, m, inFlight); !errors.Is(err, auth.ErrSessionNotFound) {
				t.Errorf("%s of an ended session = %v, want ErrSessionNotFound", tc.name, err)
			}
			for _, id := range []string{id, inFlight.ID} {
				if _, err := m.Load(ctx, id); !errors.Is(err, auth.ErrSessionNotFound) {
					t.Errorf("the ended session loads again after %s (err %v)", tc.name, err)
				}
			}
			list, err := m.ListUser(ctx, account("alice"), "")
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 0 {
				t.Errorf("%d sessions listed after every one was ended, want 0", len(list))
			}

			// A live session is written as before.
			live, err := m.Load(ctx, login(t, m, "alice", false).ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.write(ctx, m, live); err != nil {
				t.Fatalf("%s of a live session: %v", tc.name, err)
			}
			if _, err := m.Load(ctx, live.ID); err != nil {
				t.Fatalf("the live session does not load after %s: %v", tc.name, err)
			}
		})
	}
}
