package fileusers

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
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

// TestReloadCaughtMidSaveForgetsNoOne: a configuration reload (SIGHUP,
// or gateway.yaml changed) reads users.yaml while a save written in
// place is half done, holding alice but not yet bob. Before, the new
// reading took over at once (Follow): bob was seen leaving the file and
// the next poll forgot his factors although the finished save still had
// him. The names a reading of a file that changed since the running
// gateway took it misses are now forgotten only once a poll reads the
// same content again, or a later save settles without them
// (docs/contract.md, "users.yaml (file backend)").
func TestReloadCaughtMidSaveForgetsNoOne(t *testing.T) {
	ctx := context.Background()
	alice := "users:\n  alice:\n    password: \"" + settleHash + "\"\n"
	whole := alice + "  bob:\n    password: \"" + settleHash + "\"\n  carol:\n    password: \"" + settleHash + "\"\n"
	for _, tc := range []struct {
		name string
		// after is the file from the reload's reading on: what the
		// polls that follow read.
		after     string
		forgotten []string
	}{
		{"the save ends", whole, nil},
		{"the reading was the save", alice, []string{"bob", "carol"}},
		{"a later save drops carol", alice + "  bob:\n    password: \"" + settleHash + "\"\n", []string{"carol"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "users.yaml")
			if err := os.WriteFile(path, []byte(whole), 0o600); err != nil {
				t.Fatal(err)
			}
			running, err := New(path, "US", slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			// The save, in place, caught by the reload after alice.
			if err := os.WriteFile(path, []byte(alice), 0o600); err != nil {
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
			var changes int
			b.OnChanged(func(context.Context, auth.UsersChange) { changes++ })
			b.Follow(running)
			b.forgetPending(ctx) // Run's start
			if len(forgotten) != 0 || changes != 0 {
				t.Fatalf("at the reload: forgotten %v, %d changes told; want none before a poll", forgotten, changes)
			}
			if err := os.WriteFile(path, []byte(tc.after), 0o600); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				b.tell(ctx, b.poll(ctx))
				b.forgetPending(ctx)
			}
			slices.Sort(forgotten)
			if !slices.Equal(forgotten, tc.forgotten) {
				t.Fatalf("forgotten %v, want %v", forgotten, tc.forgotten)
			}
			if want := min(len(tc.forgotten), 1); changes != want {
				t.Errorf("%d changes told, want %d", changes, want)
			}
			for _, name := range []string{"alice", "bob", "carol"} {
				_, err := b.Lookup(ctx, name)
				if found, want := err == nil, !slices.Contains(tc.forgotten, name); found != want {
					t.Errorf("%s found %v, want %v", name, found, want)
				}
			}
		})
	}
}
