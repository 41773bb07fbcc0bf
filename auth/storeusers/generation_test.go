package storeusers_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

const otherHash = "$2a$04$zzzzzzzzzzzzzzzzzzzzzuK0pKk7G2n2nYEAm1aUO5mB8S0bm4v5a"

// TestCredentialGeneration checks that every change of the password, the
// phone or the disabled flag gives a new credential generation, that
// undoing a change does not give the old one back, and that a stronger
// hash of the same password keeps it (docs/contract.md, "Sessions end
// when credentials change").
func TestCredentialGeneration(t *testing.T) {
	tests := []struct {
		name    string
		change  func(ctx context.Context, b *storeusers.Backend) error
		changes bool
	}{
		{"password", func(ctx context.Context, b *storeusers.Backend) error { return b.SetPassword(ctx, "alice", otherHash) }, true},
		{"password set to the same hash", func(ctx context.Context, b *storeusers.Backend) error { return b.SetPassword(ctx, "alice", hash) }, true},
		{"phone", func(ctx context.Context, b *storeusers.Backend) error {
			return b.SetPhone(ctx, "alice", "+12015550109")
		}, true},
		{"phone set to the same number", func(ctx context.Context, b *storeusers.Backend) error {
			return b.SetPhone(ctx, "alice", "+12015550100")
		}, false},
		{"disabled", func(ctx context.Context, b *storeusers.Backend) error { return b.SetDisabled(ctx, "alice", true) }, true},
		{"disabled, then enabled", func(ctx context.Context, b *storeusers.Backend) error {
			if err := b.SetDisabled(ctx, "alice", true); err != nil {
				return err
			}
			return b.SetDisabled(ctx, "alice", false)
		}, true},
		{"enabled when enabled", func(ctx context.Context, b *storeusers.Backend) error { return b.SetDisabled(ctx, "alice", false) }, false},
		{"hash upgraded", func(ctx context.Context, b *storeusers.Backend) error {
			return b.UpgradeHash(ctx, "alice", hash, otherHash)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backends(t, func(t *testing.T, b *storeusers.Backend, _ func(time.Duration)) {
				ctx := context.Background()
				if err := b.Add(ctx, user("alice", "alice@example.com", "+12015550100")); err != nil {
					t.Fatal(err)
				}
				if err := b.Add(ctx, user("bob", "bob@example.com", "+12015550101")); err != nil {
					t.Fatal(err)
				}
				before, _ := b.Lookup(ctx, "alice")
				if other, _ := b.Lookup(ctx, "bob"); before.Generation == "" || other.Generation == before.Generation {
					t.Fatalf("generations %q and %q: want distinct, non-empty", before.Generation, other.Generation)
				}
				if err := tt.change(ctx, b); err != nil {
					t.Fatal(err)
				}
				after, err := b.Lookup(ctx, "alice")
				if err != nil {
					t.Fatal(err)
				}
				if changed := after.Generation != before.Generation; changed != tt.changes {
					t.Errorf("generation changed = %v, want %v", changed, tt.changes)
				}
			})
		})
	}
}

// TestCredentialGenerationOfOldRecords checks records written before
// generations were stored: they get one derived from their content, which
// a hash upgrade keeps and a real change replaces.
func TestCredentialGenerationOfOldRecords(t *testing.T) {
	ctx := context.Background()
	st := memstore.New(nil)
	old, _ := json.Marshal(map[string]any{"username": "olga", "phone": "+12015550177", "password": hash, "created": 1})
	if err := st.Set(ctx, storeusers.RecordKeyPrefix+"olga", old, auth.Forever); err != nil {
		t.Fatal(err)
	}
	b := storeusers.New(st, "")
	u, err := b.Lookup(ctx, "olga")
	if err != nil {
		t.Fatal(err)
	}
	if want := auth.CredentialGeneration(&auth.User{PasswordHash: hash, Phone: "+12015550177"}); u.Generation != want {
		t.Fatalf("generation of an old record = %q, want %q (derived)", u.Generation, want)
	}
	if err := b.UpgradeHash(ctx, "olga", hash, otherHash); err != nil {
		t.Fatal(err)
	}
	if v, _ := b.Lookup(ctx, "olga"); v.Generation != u.Generation || v.PasswordHash != otherHash {
		t.Fatalf("after a hash upgrade: %+v, want generation %q kept", v, u.Generation)
	}
	if err := b.UpgradeHash(ctx, "olga", hash, "$2a$04$yyyyyyyyyyyyyyyyyyyyyuK0pKk7G2n2nYEAm1aUO5mB8S0bm4v5a"); err != nil {
		t.Fatal(err)
	}
	if v, _ := b.Lookup(ctx, "olga"); v.PasswordHash != otherHash {
		t.Error("UpgradeHash replaced a hash it was not given as the old one")
	}
	if err := b.SetPassword(ctx, "olga", hash); err != nil {
		t.Fatal(err)
	}
	if v, _ := b.Lookup(ctx, "olga"); v.Generation == u.Generation {
		t.Error("a password change kept the generation")
	}
}

// TestRecordsAreReplayedAsRecords: the failover journal knows account
// records by this package's key prefix (docs/contract.md, "Failover
// durability"); the two must not drift apart.
func TestRecordsAreReplayedAsRecords(t *testing.T) {
	if got := auth.ClassOf(storeusers.RecordKeyPrefix + "olga"); got != auth.KeyRecord {
		t.Fatalf("ClassOf(%q) = %d, want KeyRecord", storeusers.RecordKeyPrefix+"olga", got)
	}
}
