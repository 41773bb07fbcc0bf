package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRemovedFileUsersPasskeyOpensNoNewAccount: with the file backend an
// operator removes a departed person from users.yaml by hand while the
// gateway runs, and later adds the same username for someone else.
// Before, the old holder's passkey stayed in the store under the name
// and signed in to the new person's account, passwordless (a
// user-verified key counts as two factors). A name a running gateway
// sees leave the file is forgotten as `gatehouse user delete` forgets
// it, audited once as admin_user_deleted by users_file
// (docs/contract.md, "users.yaml (file backend)").
func TestRemovedFileUsersPasskeyOpensNoNewAccount(t *testing.T) {
	usersPath := filepath.Join(t.TempDir(), "users.yaml")
	listen := freeAddr(t)
	cfgPath, origin := cliWorldOf(t, "frm:", fmt.Sprintf("{ backend: file, file: %q }", usersPath), listen)
	add := func(pass, phone string) {
		t.Helper()
		if code, out, e := runCmd(t, pass+"\n", "user", "add", "-c", cfgPath, "--phone", phone, "ada"); code != 0 {
			t.Fatalf("user add ada: %d\n%s%s", code, out, e)
		}
	}
	add("the old holder's passphrase", "+1 201 555 0140")
	stderr := runServe(t, cfgPath, listen)

	keys := storePasskeys(t, cfgPath)
	oldKey := addPasskey(t, keys, origin, "ada", "Old holder's phone")
	ctx := t.Context()

	// The operator removes ada from the file by hand; the running gateway
	// reads it again.
	if err := os.WriteFile(usersPath, []byte("users: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := stderr.waitFor(`"users":0`, 15*time.Second); !strings.Contains(out, `"users":0`) {
		t.Fatalf("the gateway did not read the users file again:\n%s", out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		left, err := keys.List(ctx, "ada")
		if err == nil && len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ada left the users file, and her passkeys stay in the store: %v (%v)", left, err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Later, someone else gets the name.
	add("the new holder's passphrase", "+1 201 555 0141")
	if left, err := keys.List(ctx, "ada"); err != nil || len(left) != 0 {
		t.Errorf("the new ada inherits the old holder's passkeys: %v (%v)", left, err)
	}
	if res, err := passwordlessSignIn(t, keys, origin, oldKey); err == nil {
		t.Fatalf("the old holder's key signs in to the new ada: %+v (uv %v)", res.User, res.UV)
	}

	// On the trail once, by the users file.
	code, out, e := runCmd(t, "", "audit", "tail", "-c", cfgPath, "--user", "ada", "--event", "admin_user_deleted", "-n", "100")
	if code != 0 {
		t.Fatalf("audit tail: %d\n%s", code, e)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct{ Event, User, Actor string }
		if json.Unmarshal([]byte(line), &r) == nil && r.Event == "admin_user_deleted" && r.User == "ada" && r.Actor == "users_file" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d admin_user_deleted records of ada by users_file, want 1:\n%s", n, out)
	}
}
