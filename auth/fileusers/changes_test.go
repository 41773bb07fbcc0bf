package fileusers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/fileusers"
)

// TestChangesAreTold: a reading that replaces another with different
// content is told to OnChanged with both, named alike on every reading
// of the same two contents (so that one replica records it); a reading
// of the same content, the first reading, and a configuration reload's
// reading of another file tell nothing, and one of the same file tells
// what changed since the old reading (docs/contract.md, "users.yaml
// (file backend)"), once a poll or a reload confirms it.
func TestChangesAreTold(t *testing.T) {
	b, path := newBackend(t, usersYAML)
	replica, err := fileusers.New(path, "US", nil)
	if err != nil {
		t.Fatal(err)
	}
	record := func(b *fileusers.Backend) *[]auth.UsersChange {
		var told []auth.UsersChange
		b.OnChanged(func(_ context.Context, c auth.UsersChange) { told = append(told, c) })
		return &told
	}
	told, replicaTold := record(b), record(replica)
	if err := b.Reload(); err != nil || len(*told) != 0 {
		t.Fatalf("a reload of the same content told %d changes (%v)", len(*told), err)
	}
	edited := strings.Replace(usersYAML, `groups: ["admins", "staff"]`, `groups: ["staff"]`, 1)
	writeUsers(t, path, edited)
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	if err := replica.Reload(); err != nil {
		t.Fatal(err)
	}
	if len(*told) != 1 || len(*replicaTold) != 1 {
		t.Fatalf("told %d and %d changes, want one each", len(*told), len(*replicaTold))
	}
	c := (*told)[0]
	if got := c.Before["alice"].Groups; len(got) != 2 || len(c.After["alice"].Groups) != 1 {
		t.Errorf("alice's groups before %v, after %v", got, c.After["alice"].Groups)
	}
	if r := (*replicaTold)[0]; c.To == "" || c.Source == "" || c.To != r.To || c.Source != r.Source {
		t.Errorf("two readings of one change named %q %q and %q %q", c.Source, c.To, r.Source, r.To)
	}

	// A configuration reload: a new reading of the same file, edited
	// meanwhile, tells the change since the old reading once it is
	// confirmed (here by a reload); of another, none.
	writeUsers(t, path, usersYAML)
	next, err := fileusers.New(path, "US", nil)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := newBackend(t, "users: {}\n")
	nextTold, otherTold := record(next), record(other)
	next.Follow(b)
	other.Follow(b)
	if len(*nextTold) != 0 {
		t.Errorf("the same file's new reading told %d changes before it was confirmed", len(*nextTold))
	}
	if err := next.Reload(); err != nil {
		t.Fatal(err)
	}
	if err := other.Reload(); err != nil {
		t.Fatal(err)
	}
	if len(*otherTold) != 0 {
		t.Errorf("a reading of another file told %d changes", len(*otherTold))
	}
	if len(*nextTold) != 1 || len((*nextTold)[0].After["alice"].Groups) != 2 || (*nextTold)[0].To == c.To {
		t.Errorf("the same file's new reading told %+v, want alice's groups back", *nextTold)
	}
}
