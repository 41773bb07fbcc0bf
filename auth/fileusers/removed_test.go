package fileusers_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth/fileusers"
)

// TestRemovedNamesAreOfferedUntilForgotten: a name a reload finds gone
// from the file is told to OnRemoved, and told again at the next read
// while forgetting it fails; the first reading removes no one, and a
// reading of another file takes over nothing (docs/contract.md,
// "users.yaml (file backend)").
func TestRemovedNamesAreOfferedUntilForgotten(t *testing.T) {
	b, path := newBackend(t, usersYAML)
	var (
		mu   sync.Mutex
		told []string
		fail = true
	)
	b.OnRemoved(func(_ context.Context, name string) error {
		mu.Lock()
		defer mu.Unlock()
		told = append(told, name)
		if fail {
			return errors.New("store down")
		}
		return nil
	})
	toldSoFar := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(told)
	}
	if err := b.Reload(); err != nil || len(toldSoFar()) != 0 {
		t.Fatalf("a reload of the same file told %v (%v)", toldSoFar(), err)
	}
	// carol leaves; the store is down.
	writeUsers(t, path, usersYAML[:strings.Index(usersYAML, "  carol:")])
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := toldSoFar(); !slices.Equal(got, []string{"carol"}) {
		t.Fatalf("told %v, want [carol]", got)
	}
	// The next read offers her again, also once she is back in the file.
	mu.Lock()
	fail = false
	mu.Unlock()
	writeUsers(t, path, usersYAML)
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := toldSoFar(); !slices.Equal(got, []string{"carol", "carol"}) {
		t.Fatalf("told %v, want carol twice (a retry), then nothing", got)
	}

	// A configuration reload: a new reading of the same file takes over
	// the names gone since the old one read it; of another file, none.
	writeUsers(t, path, usersYAML[:strings.Index(usersYAML, "  bob:")])
	next, err := fileusers.New(path, "US", nil)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := newBackend(t, "users: {}\n")
	var nextTold, otherTold []string
	next.OnRemoved(func(_ context.Context, name string) error { nextTold = append(nextTold, name); return nil })
	other.OnRemoved(func(_ context.Context, name string) error { otherTold = append(otherTold, name); return nil })
	next.Follow(b)
	other.Follow(b)
	_ = next.Reload()
	_ = other.Reload()
	if !slices.Equal(nextTold, []string{"bob", "carol"}) || len(otherTold) != 0 {
		t.Errorf("after a configuration reload: the same file's reading told %v, want [bob carol]; another file's %v, want none", nextTold, otherTold)
	}
}
