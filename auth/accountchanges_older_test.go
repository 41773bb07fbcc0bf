package auth_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
)

// TestStartOnAnOlderContentForgetsNoOne: a gateway starting on a users
// file older than the one last recorded (one of the last 64 contents the
// print replaced: a previous rollout's replica, a rollback) gets the
// names it lacks as admin_user_deleted with forgotten=false, and
// ForgetAtStart forgets none of them; a start on a content never
// recorded, or replaced longer ago than the print remembers, forgets
// them (docs/contract.md, "users.yaml (file backend)").
func TestStartOnAnOlderContentForgetsNoOne(t *testing.T) {
	key := []byte("a derived key of thirty-two bytes")
	users := func(names ...string) map[string]*auth.User {
		out := map[string]*auth.User{}
		for _, n := range names {
			out[n] = &auth.User{Username: n}
		}
		return out
	}
	tests := []struct {
		name    string
		startTo string // content the gateway starts on (c0: only ann)
		edits   int    // contents recorded after c0, each adding bea
		forget  []string
	}{
		{"the content before the last", "c0", 1, nil},
		{"a content 64 replaced ago", "c0", 64, nil},
		{"a content 65 replaced ago", "c0", 65, []string{"bea"}},
		{"a content never recorded", "new", 1, []string{"bea"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := memstore.New(nil)
			record := func(c auth.UsersChange) []auth.Event {
				t.Helper()
				c.Source = "users.yaml"
				ev, err := auth.UsersChangeEvents(ctx, st, key, c, "users_file")
				if err != nil {
					t.Fatal(err)
				}
				return ev
			}
			record(auth.UsersChange{After: users("ann"), To: "c0"})
			for i := 1; i <= tt.edits; i++ {
				record(auth.UsersChange{Before: users("ann"), After: users("ann", "bea"), To: fmt.Sprint("c", i)})
			}
			events := record(auth.UsersChange{After: users("ann"), To: tt.startTo})
			if got := auth.ForgetAtStart(events); !slices.Equal(got, tt.forget) {
				t.Errorf("forgotten at start %q, want %q", got, tt.forget)
			}
			var deleted []string
			for _, e := range events {
				if e.Name == "admin_user_deleted" {
					deleted = append(deleted, e.User)
				}
			}
			if !slices.Equal(deleted, []string{"bea"}) {
				t.Errorf("recorded deleted %q, want bea", deleted)
			}
		})
	}
}
