package auth_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
)

// TestAccountChanges: each thing an edit of the users file changes is
// one event by the actor, named as the console's own; what changes
// nothing (groups reordered) is none, and a hash is never in one.
func TestAccountChanges(t *testing.T) {
	base := func() *auth.User {
		return &auth.User{Username: "ann", Email: "ann@corp.example", Phone: "+12015550140", Groups: []string{"admins", "ops"}, PasswordHash: "$argon2id$old"}
	}
	tests := []struct {
		name   string
		change func(u *auth.User) *auth.User // nil: the account removed
		want   []string
	}{
		{"nothing", func(u *auth.User) *auth.User { return u }, nil},
		{"groups reordered", func(u *auth.User) *auth.User { u.Groups = []string{"ops", "admins"}; return u }, nil},
		{"removed", func(*auth.User) *auth.User { return nil }, []string{"admin_user_deleted"}},
		{"password", func(u *auth.User) *auth.User { u.PasswordHash = "$argon2id$new"; return u }, []string{"admin_password_set"}},
		{"phone moved", func(u *auth.User) *auth.User { u.Phone = "+12015550199"; return u }, []string{"admin_phone_set +12015550199"}},
		{"phone cleared", func(u *auth.User) *auth.User { u.Phone = ""; return u }, []string{"admin_phone_cleared"}},
		{"email", func(u *auth.User) *auth.User { u.Email = "x@corp.example"; return u }, []string{"admin_email_set"}},
		{"groups", func(u *auth.User) *auth.User { u.Groups = []string{"ops"}; return u }, []string{"admin_groups_changed before=admins,ops groups=ops"}},
		{"disabled and named", func(u *auth.User) *auth.User { u.Disabled, u.DisplayName = true, "Ann"; return u }, []string{"admin_disabled", "admin_display_name_set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := map[string]*auth.User{"ann": base()}
			after := map[string]*auth.User{}
			if u := tt.change(base()); u != nil {
				after["ann"] = u
			}
			var got []string
			for _, e := range auth.AccountChanges(before, after, "users_file") {
				got = append(got, describe(t, e))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("added", func(t *testing.T) {
		u := base()
		u.Disabled, u.ForceTwoFactor = true, true
		var got []string
		for _, e := range auth.AccountChanges(map[string]*auth.User{}, map[string]*auth.User{"ann": u}, "users_file") {
			got = append(got, describe(t, e))
		}
		if want := []string{"admin_user_created +12015550140 groups=admins,ops", "admin_disabled"}; !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("two factor", func(t *testing.T) {
		u := base()
		u.ForceTwoFactor = true
		es := auth.AccountChanges(map[string]*auth.User{"ann": u}, map[string]*auth.User{"ann": base()}, "users_file")
		if len(es) != 1 || describe(t, es[0]) != "admin_force_two_factor_set force_two_factor=false" {
			t.Errorf("got %+v", es)
		}
	})
}

// describe is e as "name phone k=v…" (attributes but the actor, sorted),
// failing t if e is not by users_file or holds a hash.
func describe(t *testing.T, e auth.Event) string {
	t.Helper()
	s := e.Name
	if e.User != "ann" {
		t.Errorf("%s: user %q", e.Name, e.User)
	}
	if e.Phone != "" {
		s += " " + e.Phone
	}
	var kv []string
	actor := ""
	for i := 0; i+1 < len(e.Attrs); i += 2 {
		k, v := fmt.Sprint(e.Attrs[i]), fmt.Sprint(e.Attrs[i+1])
		if strings.Contains(v, "$argon2id") {
			t.Errorf("%s carries a password hash", e.Name)
		}
		if k == "actor" {
			actor = v
			continue
		}
		kv = append(kv, k+"="+v)
	}
	if actor != "users_file" {
		t.Errorf("%s: actor %q", e.Name, actor)
	}
	slices.Sort(kv)
	if len(kv) > 0 {
		s += " " + strings.Join(kv, " ")
	}
	return s
}

// TestUsersChangeIsClaimedOncePerTaking: of the replicas taking one
// change of the file, one records it; the same change made again later
// (the file back and forth) is recorded again.
func TestUsersChangeIsClaimedOncePerTaking(t *testing.T) {
	st := memstore.New(nil)
	ctx := context.Background()
	key := []byte("a derived key of thirty-two bytes")
	on := map[string]map[string]*auth.User{
		"A": {"ann": {Username: "ann", Phone: "+12015550140"}},
		"B": {"ann": {Username: "ann", Phone: "+12015550199"}},
	}
	steps := []struct {
		from, to string
		want     bool
	}{
		{"A", "B", true}, {"A", "B", false}, // two replicas take A→B
		{"B", "A", true}, {"B", "A", false}, // and back
		{"A", "B", true}, {"A", "B", false}, // and A→B again
	}
	for i, s := range steps {
		got, err := auth.UsersChangeEvents(ctx, st, key, auth.UsersChange{Before: on[s.from], After: on[s.to], Source: "users.yaml", To: s.to}, "users_file")
		if err != nil || (len(got) == 1) != s.want {
			t.Errorf("step %d, to %s: %d events (%v), want recorded %v", i, s.to, len(got), err, s.want)
		}
	}
	if got, _ := auth.UsersChangeEvents(ctx, st, key, auth.UsersChange{Before: on["A"], After: on["B"], Source: "other.yaml", To: "B"}, "users_file"); len(got) != 1 {
		t.Error("a change of another file was taken for this one's")
	}
}
