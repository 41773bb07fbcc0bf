package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestOlderUsersFileAtStartForgetsNoOne: a gateway that starts on a
// users.yaml older than the one the store last recorded (a replica of
// the previous rollout restarted while the new one runs, a canary's
// stable replicas, a rollback) finds missing the names added since,
// which are not people who left: it records them admin_user_deleted with
// forgotten=false and forgets none of them (docs/contract.md, "users.yaml
// (file backend)"). Before, such a start forgot them: bea, added by the
// new rollout and signed in with her passkey, lost it (and her
// sessions, app and recovery codes) whenever an old replica restarted.
func TestOlderUsersFileAtStartForgetsNoOne(t *testing.T) {
	usersPath := filepath.Join(t.TempDir(), "users.yaml")
	listen := freeAddr(t)
	cfgPath, origin := cliWorldOf(t, "fro:", fmt.Sprintf("{ backend: file, file: %q }", usersPath), listen)
	add := func(name, pass, phone string) {
		t.Helper()
		if code, out, e := runCmd(t, pass+"\n", "user", "add", "-c", cfgPath, "--phone", phone, name); code != 0 {
			t.Fatalf("user add %s: %d\n%s%s", name, code, out, e)
		}
	}
	read := func() []byte {
		t.Helper()
		b, err := os.ReadFile(usersPath)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	write := func(content []byte) {
		t.Helper()
		if err := os.WriteFile(usersPath+".tmp", content, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(usersPath+".tmp", usersPath); err != nil {
			t.Fatal(err)
		}
	}
	// serve runs a gateway past two polls of the file (2 s apart): long
	// enough for it to record the file and confirm its reading.
	serve := func(name string) {
		t.Run(name, func(t *testing.T) {
			runServe(t, cfgPath, listen)
			time.Sleep(5 * time.Second)
		})
	}
	add("ada", "ada's own passphrase", "+1 201 555 0140")
	older := read()
	serve("the previous rollout")
	add("bea", "bea's own passphrase", "+1 201 555 0141")
	newer := read()
	serve("the new rollout")
	keys := storePasskeys(t, cfgPath)
	beaKey := addPasskey(t, keys, origin, "bea", "Bea's phone")

	write(older)
	serve("a replica of the previous rollout restarts")
	if left, err := keys.List(t.Context(), "bea"); err != nil || len(left) != 1 {
		t.Errorf("bea, in the file the new rollout runs, lost her passkey when a replica started on the older file: %v (%v)", left, err)
	}
	if recs, _ := fileTrail(t, cfgPath); !slices.Contains(recs, "bea admin_user_deleted forgotten=false") {
		t.Errorf("the trail by users_file %q has no \"bea admin_user_deleted forgotten=false\"", recs)
	}

	write(newer)
	serve("the new rollout again")
	if res, err := passwordlessSignIn(t, keys, origin, beaKey); err != nil || res.User != "bea" {
		t.Errorf("bea's key no longer signs her in: %q (%v)", res.User, err)
	}
}
