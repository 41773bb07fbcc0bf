package auth_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/fileusers"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

const subjectHash = "$2a$04$abcdefghijklmnopqrstuuK0pKk7G2n2nYEAm1aUO5mB8S0bm4v5a"

// subjectBackends are both user backends, holding alice.
func subjectBackends(t *testing.T) map[string]auth.UserBackend {
	t.Helper()
	path := filepath.Join(t.TempDir(), "users.yaml")
	yaml := "users:\n  alice:\n    email: \"Alice@Example.com\"\n    phone: \"+12015550100\"\n    password: \"" + subjectHash + "\"\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	fu, err := fileusers.New(path, "US", nil)
	if err != nil {
		t.Fatal(err)
	}
	su := storeusers.New(memstore.New(nil), "US")
	if err := su.Add(context.Background(), &auth.User{Username: "alice", Email: "Alice@Example.com", Phone: "+12015550100", PasswordHash: subjectHash}); err != nil {
		t.Fatal(err)
	}
	return map[string]auth.UserBackend{"file": fu, "redis": su}
}

// TestResolveLoginSubject checks that every spelling the user lookup
// accepts for one account, or for one unknown name, counts against one
// subject (docs/contract.md, "Regulation").
func TestResolveLoginSubject(t *testing.T) {
	tests := []struct {
		login, want string
		known       bool
	}{
		{"alice", "alice", true},
		{" alice", "alice", true},
		{"alice   ", "alice", true},
		{"\talice\n", "alice", true},
		{"alice@example.com", "alice", true},
		{" ALICE@Example.COM ", "alice", true},
		{"+12015550100", "alice", true},
		{"+1 (201) 555-0100", "alice", true},
		{"001 201 555 0100", "alice", true},
		{"(201) 555-0100", "alice", true}, // national, read in the default region
		{"201.555.0100", "alice", true},
		// Unknown names: the normalised login, so that they ban like accounts.
		{"mallory", "mallory", false},
		{" Mallory ", "mallory", false},
		{"MALLORY", "mallory", false},
		{"Mallory@Example.com", "mallory@example.com", false},
		{"+1 201 555 0199", "+12015550199", false},
		{"(201) 555-0199", "+12015550199", false},
		{"0012015550199", "+12015550199", false},
		{"12345", "12345", false}, // too short to be a number: a name
		{"", "", false},
		{"   ", "", false},
	}
	for name, users := range subjectBackends(t) {
		t.Run(name, func(t *testing.T) {
			for _, tt := range tests {
				u, subject, err := auth.ResolveLogin(context.Background(), users, tt.login, "US")
				if err != nil {
					t.Fatalf("ResolveLogin(%q): %v", tt.login, err)
				}
				if subject != tt.want || (u != nil) != tt.known {
					t.Errorf("ResolveLogin(%q) = user %v, subject %q; want known %v, subject %q", tt.login, u != nil, subject, tt.known, tt.want)
				}
			}
		})
	}
}

func TestNormalizeLoginIsIdempotent(t *testing.T) {
	for _, login := range []string{"Alice", " bob@Example.org ", "+1 (201) 555-0100", "(201) 555-0100", "zoë", "12345"} {
		once := auth.NormalizeLogin(login, "US")
		if twice := auth.NormalizeLogin(once, "US"); twice != once {
			t.Errorf("NormalizeLogin(%q) = %q, but NormalizeLogin(%q) = %q", login, once, once, twice)
		}
	}
}
