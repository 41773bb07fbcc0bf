package auth_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
)

// TestFirstReadingComparesWithTheRecordedPrint: a gateway starting on
// the users file (a reading with no Before) gets the changes since the
// content last recorded, from the print the store keeps of it, with the
// new phone itself (the trail masks it), never a digest; nothing on the
// content last recorded, nor when the store keeps no print of the file,
// nor one made under another key (a signing key replaced without its
// derivation key), which would read as every account changed.
func TestFirstReadingComparesWithTheRecordedPrint(t *testing.T) {
	key, other := []byte("a derived key of thirty-two bytes"), []byte("another key of thirty-two bytes!")
	before := map[string]*auth.User{"ann": {Username: "ann", Phone: "+12015550140", Email: "ann@corp.example", DisplayName: "Ann", PasswordHash: "$argon2id$a"}}
	after := map[string]*auth.User{"ann": {Username: "ann", Phone: "+12015550199", Email: "ann@evil.example", DisplayName: "Ann", PasswordHash: "$argon2id$b"}}
	tests := []struct {
		name     string
		recorded []byte // the key the running gateway recorded with; nil: nothing recorded
		startTo  string
		want     []string
	}{
		{"edited while stopped", key, "B", []string{"admin_email_set", "admin_password_set", "admin_phone_set +12015550199"}},
		{"started on the content recorded", key, "A", nil},
		{"nothing recorded of the file", nil, "B", nil},
		{"recorded under another key", other, "B", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := memstore.New(nil)
			if tt.recorded != nil {
				// A running gateway took content A (from one before it).
				if _, err := auth.UsersChangeEvents(ctx, st, tt.recorded, auth.UsersChange{Before: map[string]*auth.User{}, After: before, Source: "users.yaml", To: "A"}, "users_file"); err != nil {
					t.Fatal(err)
				}
			}
			start := after
			if tt.startTo == "A" {
				start = before
			}
			got, err := auth.UsersChangeEvents(ctx, st, key, auth.UsersChange{After: start, Source: "users.yaml", To: tt.startTo}, "users_file")
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range got {
				names = append(names, describe(t, e))
			}
			slices.Sort(names)
			if !slices.Equal(names, tt.want) {
				t.Errorf("events %q, want %q", names, tt.want)
			}
		})
	}
}

// TestFirstReadingKeepsAPrintOfWhatWasRecordedWithout: content recorded
// before prints were kept (the hash alone) gets its print at the next
// start on it, so that the start after an edit then compares with it.
func TestFirstReadingKeepsAPrintOfWhatWasRecordedWithout(t *testing.T) {
	ctx := context.Background()
	st := memstore.New(nil)
	key := []byte("a derived key of thirty-two bytes")
	if err := st.Set(ctx, "usersfile:users.yaml", []byte("A"), auth.Forever); err != nil {
		t.Fatal(err)
	}
	before := map[string]*auth.User{"ann": {Username: "ann", Groups: []string{"staff"}}}
	after := map[string]*auth.User{"ann": {Username: "ann", Groups: []string{"admins"}}}
	for _, step := range []struct {
		users map[string]*auth.User
		to    string
		want  int
	}{{before, "A", 0}, {after, "B", 1}} {
		got, err := auth.UsersChangeEvents(ctx, st, key, auth.UsersChange{After: step.users, Source: "users.yaml", To: step.to}, "users_file")
		if err != nil || len(got) != step.want {
			t.Errorf("start on %s: %d events (%v), want %d", step.to, len(got), err, step.want)
		}
	}
}
