package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestUserDeleteForgetsEverything: `gatehouse user delete` removes what
// the console's delete removes (auth.Forget). Before, it removed the
// account record only: the deleted holder's passkey (and app, recovery
// codes) stayed in the store under the username, and a new account later
// made under the same name was signed into, passwordless, by the old
// holder's key. The delete here runs with passkeys turned off, as keys
// left while a feature is off would come back with it.
func TestUserDeleteForgetsEverything(t *testing.T) {
	addr := testredis.Start(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "gatehouse.key")
	if code, _, e := runCmd(t, "", "keygen", "-o", key); code != 0 {
		t.Fatal(e)
	}
	origin := "http://localhost:8080"
	cfgPath := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(`server:
  listen: "127.0.0.1:0"
  public_url: "http://localhost:8080"
session: { secure: false }
store:
  driver: redis
  key_prefix: "del:"
  redis: { addrs: [%q] }
users: { backend: redis }
hashing: { worker: false, argon2id: { memory_kib: 1024, iterations: 1, parallelism: 1 } }
identity: { signing_key_file: %q }
sms: { provider: console }
passkeys: { enabled: true, rp_id: localhost, origins: [%q] }
routes:
  - { name: crm, host: localhost, path_prefix: /, upstream: "http://127.0.0.1:9", policy: two_factor }
`, addr, key, origin)), 0o600); err != nil {
		t.Fatal(err)
	}
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
	req, err := keys.BeginLogin(ctx, "attacker-session", origin, "", false)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(req)
	cred, err := oldKey.Get(body)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := keys.FinishLogin(ctx, "attacker-session", true, cred); err == nil {
		t.Fatalf("the deleted account's key signs in to the new account: %+v (uv %v)", res.User, res.UV)
	}
}

// TestUserDeleteForgetsAFileUser: with the file backend the record is the
// operator's file, and removing a person from it left their passkeys in
// the store for whoever next gets the name. `gatehouse user delete`
// forgets them, also once the file no longer lists the person.
func TestUserDeleteForgetsAFileUser(t *testing.T) {
	addr := testredis.Start(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "gatehouse.key")
	if code, _, e := runCmd(t, "", "keygen", "-o", key); code != 0 {
		t.Fatal(e)
	}
	usersPath := filepath.Join(dir, "users.yaml")
	if err := os.WriteFile(usersPath, []byte("users: {}\n"), 0o600); err != nil { // ada is gone from it already
		t.Fatal(err)
	}
	origin := "http://localhost:8080"
	cfgPath := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(`server:
  listen: "127.0.0.1:0"
  public_url: "http://localhost:8080"
session: { secure: false }
store:
  driver: redis
  key_prefix: "delf:"
  redis: { addrs: [%q] }
users: { backend: file, file: %q }
identity: { signing_key_file: %q }
sms: { provider: console }
passkeys: { enabled: true, rp_id: localhost, origins: [%q] }
routes:
  - { name: crm, host: localhost, path_prefix: /, upstream: "http://127.0.0.1:9", policy: two_factor }
`, addr, usersPath, key, origin)), 0o600); err != nil {
		t.Fatal(err)
	}
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
