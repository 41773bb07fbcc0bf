package fileusers

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const settleHash = "$2a$04$abcdefghijklmnopqrstuuK0pKk7G2n2nYEAm1aUO5mB8S0bm4v5a"

// TestHalfWrittenSaveForgetsNoOne: users.yaml saved in place (not
// replaced), and a poll catches it half written: a file that still
// parses, holding alice but not yet bob. Before, that poll took it, bob
// was seen leaving the file and the gateway forgot his factors (his
// authenticator app, passkeys and recovery codes, as `gatehouse user
// delete` does) although the finished save still has him. A change is
// now taken once two polls in a row read the same content
// (docs/contract.md, "users.yaml (file backend)"); an edit that stays
// is taken at the next poll.
func TestHalfWrittenSaveForgetsNoOne(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "users.yaml")
	whole := "users:\n  alice:\n    password: \"" + settleHash + "\"\n  bob:\n    password: \"" + settleHash + "\"\n"
	if err := os.WriteFile(path, []byte(whole), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := New(path, "US", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var forgotten []string
	b.OnRemoved(func(_ context.Context, name string) error {
		forgotten = append(forgotten, name)
		return nil
	})
	poll := func() {
		b.tell(ctx, b.poll(ctx))
		b.forgetPending(ctx)
	}
	found := func(name string) bool {
		_, err := b.Lookup(ctx, name)
		return err == nil
	}

	// The save, written in place, caught by a poll after its first half.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	cut := strings.Index(whole, "  bob:")
	if _, err := f.WriteString(whole[:cut]); err != nil {
		t.Fatal(err)
	}
	poll()
	if !found("bob") || len(forgotten) != 0 {
		t.Fatalf("a poll of the half-written save: bob found %v, forgotten %v; want bob kept", found("bob"), forgotten)
	}
	if _, err := f.WriteString(whole[cut:]); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	poll()
	poll()
	if !found("bob") || len(forgotten) != 0 {
		t.Fatalf("after the save ended: bob found %v, forgotten %v; want bob kept, no one forgotten", found("bob"), forgotten)
	}

	// An edit that stays is taken at the poll after the one that saw it.
	if err := os.WriteFile(path, []byte(whole[:cut]), 0o600); err != nil {
		t.Fatal(err)
	}
	poll()
	if !found("bob") {
		t.Fatal("an edit was taken at the first poll that saw it")
	}
	poll()
	if found("bob") || len(forgotten) != 1 || forgotten[0] != "bob" {
		t.Fatalf("an edit read the same by two polls: bob found %v, forgotten %v; want bob removed", found("bob"), forgotten)
	}
}
