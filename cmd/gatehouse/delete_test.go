package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUserDeleteForgetsEverything: `gatehouse user delete` removes what
// the console's delete removes (auth.Forget). Before, it removed the
// account record only: the deleted holder's passkey (and app, recovery
// codes) stayed in the store under the username, and a new account later
// made under the same name was signed into, passwordless, by the old
// holder's key. The delete here runs with passkeys turned off, as keys
// left while a feature is off would come back with it.
func TestUserDeleteForgetsEverything(t *testing.T) {
	cfgPath, origin := cliWorld(t, "del:")
	dir := filepath.Dir(cfgPath)
	run := func(stdin string, args ...string) {
		t.Helper()
		if code, out, e := runCmd(t, stdin, append([]string{"user"}, args...)...); code != 0 {
			t.Fatalf("user %v: %d\n%s%s", args, code, out, e)
		}
	}
	run("the old holder's passphrase\n", "add", "-c", cfgPath, "ada")

	keys := storePasskeys(t, cfgPath)
	oldKey := addPasskey(t, keys, origin, "ada", "Old holder's phone")
	ctx := t.Context()

	// The account is deleted with the CLI (passkeys turned off meanwhile),
	// and later a new person gets the name.
	raw, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	offPath := filepath.Join(dir, "off.yaml")
	off := strings.Replace(string(raw), "passkeys: { enabled: true,", "passkeys: { enabled: false,", 1)
	if err := os.WriteFile(offPath, []byte(off), 0o600); err != nil {
		t.Fatal(err)
	}
	run("", "delete", "-c", offPath, "ada")
	run("the new holder's passphrase\n", "add", "-c", cfgPath, "ada")

	if left, err := keys.List(ctx, "ada"); err != nil || len(left) != 0 {
		t.Errorf("the new account ada inherits the deleted account's passkeys: %v (%v)", left, err)
	}
	// The old holder signs in passwordless as the new ada.
	if res, err := passwordlessSignIn(t, keys, origin, oldKey); err == nil {
		t.Fatalf("the deleted account's key signs in to the new account: %+v (uv %v)", res.User, res.UV)
	}
}

// TestUserDeleteForgetsAFileUser: with the file backend the record is the
// operator's file, and removing a person from it left their passkeys in
// the store for whoever next gets the name. `gatehouse user delete`
// forgets them, also once the file no longer lists the person.
func TestUserDeleteForgetsAFileUser(t *testing.T) {
	usersPath := filepath.Join(t.TempDir(), "users.yaml")
	if err := os.WriteFile(usersPath, []byte("users: {}\n"), 0o600); err != nil { // ada is gone from it already
		t.Fatal(err)
	}
	cfgPath, origin := cliWorldOf(t, "delf:", fmt.Sprintf("{ backend: file, file: %q }", usersPath), "")
	keys := storePasskeys(t, cfgPath)
	addPasskey(t, keys, origin, "ada", "Old phone")
	ctx := t.Context()
	if code, out, e := runCmd(t, "", "user", "delete", "-c", cfgPath, "ada"); code != 0 || !strings.Contains(out, "forgot ada") {
		t.Fatalf("user delete with the file backend: %d\n%s%s", code, out, e)
	}
	if left, err := keys.List(ctx, "ada"); err != nil || len(left) != 0 {
		t.Fatalf("ada's passkeys after user delete: %v (%v)", left, err)
	}
}
