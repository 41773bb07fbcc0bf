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
