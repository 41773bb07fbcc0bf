package auth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestRestampNeverRevivesAnEndedSession: Restamp carries the session that
// made a credential change into the account's new credential generation.
// A session ended while the change was made (an administrator's
// revocation, a sign-out, another change's end of every other session)
// must stay ended: before, Restamp wrote it back under a new id, so a
// revoked thief's change in flight came out of it signed in
// (docs/contract.md, "Sessions end when credentials change").
func TestRestampNeverRevivesAnEndedSession(t *testing.T) {
	ctx := context.Background()
	// The memory store itself: it keeps each user's index of sessions,
	// which revocation reads.
	m, _ := indexedSessions(t)
	thief := login(t, m, "alice", false)
	if _, err := m.RevokeUser(ctx, "alice", ""); err != nil {
		t.Fatal(err)
	}
	changed := &auth.User{Username: "alice", Generation: "gen-2"}
	if err := m.Restamp(ctx, thief, changed); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Errorf("Restamp of a revoked session = %v, want ErrSessionNotFound", err)
	}
	if _, err := m.Load(ctx, thief.ID); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Fatalf("the revoked session loads again after Restamp (err %v)", err)
	}
	list, err := m.ListUser(ctx, changed, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Fatalf("%d sessions listed after every one was revoked, want 0", len(list))
	}

	// A live one is carried over, as before.
	live := login(t, m, "alice", false)
	if err := m.Restamp(ctx, live, changed); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Load(ctx, live.ID); err != nil {
		t.Fatalf("the restamped session does not load: %v", err)
	}
}
