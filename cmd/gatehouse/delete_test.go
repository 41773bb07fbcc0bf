package main

import (
	"encoding/json"
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
	run("the new holder's passphrase\n", "add", "-c", cfgPath, "--reuse-name", "ada")

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

// TestUserAddGivesADeletedNameOnlyWhenTold: the apps behind the gateway
// keep a person's data under the username. `gatehouse user add` of a
// name `gatehouse user delete` freed gave it to whoever was typed, and
// the app handed them the deleted person's data; it is now refused (exit
// 1, saying why and what to add, no account made) unless --reuse-name
// says so, and then audited admin_user_created with reused_name
// (docs/contract.md, "Names of deleted accounts").
func TestUserAddGivesADeletedNameOnlyWhenTold(t *testing.T) {
	cfgPath, _ := cliWorld(t, "held:")
	const pw = "a long cli passphrase\n"
	if code, out, e := runCmd(t, pw, "user", "add", "-c", cfgPath, "--email", "ada@example.com", "ada"); code != 0 {
		t.Fatalf("add: %d\n%s%s", code, out, e)
	}
	if code, out, e := runCmd(t, "", "user", "delete", "-c", cfgPath, "ada"); code != 0 {
		t.Fatalf("delete: %d\n%s%s", code, out, e)
	}
	code, out, e := runCmd(t, pw, "user", "add", "-c", cfgPath, "--email", "someone.else@example.com", "ada")
	if code == 0 || !strings.Contains(e, "deleted account") || !strings.Contains(e, "--reuse-name") {
		t.Fatalf("add of a deleted name without --reuse-name: exit %d, want 1 saying why\n%s%s", code, out, e)
	}
	if code, out, _ := runCmd(t, "", "user", "show", "-c", cfgPath, "ada"); code == 0 {
		t.Fatalf("the refused add made the account:\n%s", out)
	}
	if code, out, e := runCmd(t, pw, "user", "add", "-c", cfgPath, "--email", "someone.else@example.com", "--reuse-name", "ada"); code != 0 {
		t.Fatalf("add --reuse-name: %d\n%s%s", code, out, e)
	}
	code, out, e = runCmd(t, "", "audit", "tail", "-c", cfgPath, "--user", "ada", "--event", "admin_user_created", "-n", "10")
	if code != 0 {
		t.Fatalf("audit tail: %d\n%s", code, e)
	}
	var reused []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct {
			Attrs map[string]string
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit tail line %q: %v", line, err)
		}
		reused = append(reused, r.Attrs["reused_name"])
	}
	if fmt.Sprint(reused) != "[ true]" {
		t.Errorf("admin_user_created of ada, oldest first, reused_name = %q; want the first without, the second true", reused)
	}
}
