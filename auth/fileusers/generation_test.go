package fileusers_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestCredentialGeneration checks that a user's generation changes with
// its password, phone number and disabled flag, and only with them
// (docs/contract.md, "Sessions end when credentials change").
func TestCredentialGeneration(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		from    string // replaced in usersYAML, in alice's entry
		to      string
		changes bool
	}{
		{"password", `password: "` + argonHash + `"
  bob:`, `password: "` + bcryptHash + `"
  bob:`, true},
		{"phone", `"+1 (201) 555-0100"`, `"+1 (201) 555-0199"`, true},
		{"phone, respelled", `"+1 (201) 555-0100"`, `"+12015550100"`, false},
		{"disabled", `groups: ["admins", "staff"]`, `groups: ["admins", "staff"]
    disabled: true`, true},
		{"disabled: false spelled out", `groups: ["admins", "staff"]`, `groups: ["admins", "staff"]
    disabled: false`, false},
		{"display name", `"Alice Example"`, `"Alice Exemplary"`, false},
		{"groups", `["admins", "staff"]`, `["staff"]`, false},
		{"email", `"Alice@Example.com"`, `"alice@example.org"`, false},
		{"force_two_factor", `groups: ["admins", "staff"]`, `groups: ["admins", "staff"]
    force_two_factor: true`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, path := newBackend(t, usersYAML)
			before, err := b.Lookup(ctx, "alice")
			if err != nil || before.Generation == "" {
				t.Fatalf("Lookup = %+v, %v; want a generation", before, err)
			}
			if !strings.Contains(usersYAML, tt.from) {
				t.Fatalf("test bug: %q not in the file", tt.from)
			}
			writeUsers(t, path, strings.Replace(usersYAML, tt.from, tt.to, 1))
			if err := b.Reload(); err != nil {
				t.Fatal(err)
			}
			after, err := b.Lookup(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if changed := after.Generation != before.Generation; changed != tt.changes {
				t.Errorf("generation changed = %v, want %v", changed, tt.changes)
			}
			if other, _ := b.Lookup(ctx, "carol"); other.Generation == after.Generation {
				t.Error("two users share a generation")
			}
		})
	}
}

// TestOnDisabled checks that the backend tells which accounts it finds
// disabled: all of them when Run starts, then those each reload disables.
func TestOnDisabled(t *testing.T) {
	b, path := newBackend(t, usersYAML)
	var mu sync.Mutex
	var calls [][]string
	b.OnDisabled(func(_ context.Context, names []string) {
		mu.Lock()
		calls = append(calls, slices.Clone(names))
		mu.Unlock()
	})
	got := func() [][]string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(calls)
	}

	// A reload that disables nobody new says nothing; one that disables
	// alice names her, and not bob, who was disabled already.
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	if c := got(); len(c) != 0 {
		t.Fatalf("calls after a reload disabling nobody: %v", c)
	}
	writeUsers(t, path, strings.Replace(usersYAML, `groups: ["admins", "staff"]`, `groups: ["admins", "staff"]
    disabled: true`, 1))
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	if c := got(); len(c) != 1 || !slices.Equal(c[0], []string{"alice"}) {
		t.Fatalf("calls = %v, want [[alice]]", c)
	}

	// Run starts by naming every disabled account.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx, time.Hour); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(got()) < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if c := got(); len(c) != 2 || !slices.Equal(c[1], []string{"alice", "bob"}) {
		t.Fatalf("calls = %v, want Run to name [alice bob]", c)
	}
}
