package auth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestRevokeOneOutlastsARotation: the owner lists their sessions and
// ends one they do not know; the thief holding it proves a method again
// meanwhile (a step-up), which gives the session a new id. The handle
// the owner saw must still end it, and the list must show the session
// under the same handle before and after. Before, the handle was the
// store key of the id: after the step-up it named nothing, the
// revocation ended nothing and said so, and the session lived on under
// a handle the owner had not seen (docs/contract.md, "Sessions end when
// they are ended").
func TestRevokeOneOutlastsARotation(t *testing.T) {
	ctx := context.Background()
	m, _ := indexedSessions(t)
	mine := login(t, m, "alice", false)
	thief := login(t, m, "alice", false)
	handle := handleOf(t, m, mine.ID, thief.ID)

	// The thief steps up: the session gets a new id.
	old := thief.ID
	if err := m.AddProof(ctx, thief, account("alice"), auth.MethodSMS, auth.SignIn{}); err != nil {
		t.Fatal(err)
	}
	if thief.ID == old {
		t.Fatal("a new proof did not give the session a new id")
	}
	if got := handleOf(t, m, mine.ID, thief.ID); got != handle {
		t.Errorf("after the step-up the list shows the session as %q, before as %q", got, handle)
	}

	if ok, err := m.RevokeOne(ctx, "bob", handle); ok || err != nil {
		t.Fatalf("bob's RevokeOne of alice's session = %v, %v; want false", ok, err)
	}
	ok, err := m.RevokeOne(ctx, "alice", handle)
	if err != nil || !ok {
		t.Fatalf("RevokeOne with the handle listed before the step-up = %v, %v; want true", ok, err)
	}
	if _, err := m.Load(ctx, thief.ID); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Fatalf("the thief's session still loads after the owner ended it (%v)", err)
	}
	if _, err := m.Load(ctx, mine.ID); err != nil {
		t.Fatalf("the owner's own session was ended: %v", err)
	}
}

// handleOf returns the handle alice's list shows for the session with
// cookie value id (the list read by the session current).
func handleOf(t *testing.T, m *auth.Sessions, current, id string) string {
	t.Helper()
	list, err := m.ListUser(context.Background(), account("alice"), current)
	if err != nil {
		t.Fatal(err)
	}
	for _, si := range list {
		if !si.Current {
			return si.Handle
		}
	}
	t.Fatalf("alice's list has no session but the current one: %+v", list)
	return ""
}
