package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestReloadMidUsersSaveForgetsNoOne: a configuration reload reads
// users.yaml while a save written in place is half done (configuration
// management writing gateway.yaml and users.yaml together, an operator
// sending SIGHUP as the other file is written), holding alice but not
// yet bob. Before, the reload's reading took over at once: bob was seen
// leaving the file and forgotten (sessions, authenticator app, passkeys,
// recovery codes, bans) at the next poll, with admin_user_deleted on the
// trail, although the finished save still had him. Now what a reload's
// reading of a changed file misses is forgotten only once a poll reads
// the file the same again (docs/contract.md, "users.yaml (file
// backend)").
func TestReloadMidUsersSaveForgetsNoOne(t *testing.T) {
	w := newReloadWorld(t)
	alice := "users:\n  alice:\n    password: \"" + testHash + "\"\n"
	whole := alice + "  bob:\n    password: \"" + testHash + "\"\n"
	if err := os.WriteFile(w.users, []byte(whole), 0o600); err != nil {
		t.Fatal(err)
	}
	w.write(t, "/one", "")
	sw := serveWorld(t, w)

	// The save, written in place, caught by the reload after alice.
	if err := os.WriteFile(w.users, []byte(alice), 0o600); err != nil {
		t.Fatal(err)
	}
	sw.reload("configuration reloaded")
	if err := os.WriteFile(w.users, []byte(whole), 0o600); err != nil {
		t.Fatal(err)
	}
	// The new configuration's watcher polls every 2 s: the save is taken
	// at its second poll.
	time.Sleep(5 * time.Second)
	logs := sw.logs.String()
	for _, said := range []string{"an account removed from the users file is forgotten", "admin_user_deleted"} {
		if strings.Contains(logs, said) {
			t.Errorf("bob, in the finished save, was forgotten (%q):\n%s", said, logs)
		}
	}
	if _, err := sw.a.current.Load().fileUsers.Lookup(t.Context(), "bob"); err != nil {
		t.Errorf("bob after the save: %v", err)
	}
}

// TestSecondReloadBeforeThePollKeepsTheCount: two configuration reloads
// within one poll of each other (SIGHUP twice, configuration management
// sending one per file it wrote), the first reading users.yaml after it
// changed. Before, the second took over from the first's reading as if
// it had been confirmed: a save caught half done by the first and
// finished by the second put admin_user_deleted on the trail for the
// accounts the first had not read yet, and an account really removed,
// read so by both, was never forgotten (its sessions, authenticator app,
// passkeys and recovery codes kept for whoever is given the name next).
// Now the second counts from the reading the first was counting from
// (docs/contract.md, "users.yaml (file backend)").
func TestSecondReloadBeforeThePollKeepsTheCount(t *testing.T) {
	alice := "users:\n  alice:\n    password: \"" + testHash + "\"\n"
	whole := alice + "  bob:\n    password: \"" + testHash + "\"\n"
	for _, tc := range []struct {
		name string
		// first and second are the file as each reload reads it.
		first, second string
		bobForgotten  bool
	}{
		{"a save caught half done, finished by the second", alice, whole, false},
		{"bob removed, read so by both", alice, alice, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newReloadWorld(t)
			if err := os.WriteFile(w.users, []byte(whole), 0o600); err != nil {
				t.Fatal(err)
			}
			w.write(t, "/one", "")
			sw := serveWorld(t, w)
			for _, content := range []string{tc.first, tc.second} {
				if err := os.WriteFile(w.users, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
				sw.reload("configuration reloaded")
			}
			// The second configuration's watcher polls every 2 s.
			time.Sleep(5 * time.Second)
			logs := sw.logs.String()
			forgotten := strings.Contains(logs, "an account removed from the users file is forgotten")
			deleted := strings.Contains(logs, "admin_user_deleted")
			if forgotten != tc.bobForgotten || deleted != tc.bobForgotten {
				t.Errorf("bob forgotten %v, admin_user_deleted on the trail %v; want %v:\n%s", forgotten, deleted, tc.bobForgotten, logs)
			}
			_, err := sw.a.current.Load().fileUsers.Lookup(t.Context(), "bob")
			if found := err == nil; found == tc.bobForgotten {
				t.Errorf("bob found %v after the polls", found)
			}
		})
	}
}
