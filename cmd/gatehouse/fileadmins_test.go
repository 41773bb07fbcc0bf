package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestUsersFileLeavingNoAdministratorIsSaid: users.yaml's only member of
// admins is disabled by an edit (or taken out of the group, or removed).
// Before, nothing said the console was left to nobody: check-config
// passed without a word, and a running gateway took the edit silently.
// Now check-config warns on users.file's line (exit 0: the file is the
// operator's own record, and a disable may be what a stolen account
// needs), and a running gateway that takes such an edit logs it at error
// level (docs/contract.md, "users.yaml (file backend)").
func TestUsersFileLeavingNoAdministratorIsSaid(t *testing.T) {
	w := newReloadWorld(t)
	code, out, e := runCmd(t, "alice's passphrase\n", "hash-password")
	if code != 0 {
		t.Fatalf("hash-password: %s", e)
	}
	hash := strings.TrimSpace(out)
	save := func(disabled bool) {
		t.Helper()
		text := fmt.Sprintf("users:\n  alice: { groups: [admins], disabled: %v, password: %q }\n  bob: { groups: [staff], password: %q }\n", disabled, hash, hash)
		if err := os.WriteFile(w.users+".tmp", []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(w.users+".tmp", w.users); err != nil {
			t.Fatal(err)
		}
	}
	const said = "no administrator can sign in"
	check := func() string {
		t.Helper()
		code, out, e := runCmd(t, "", "check-config", "-c", w.path)
		if code != 0 {
			t.Fatalf("check-config: exit %d\n%s%s", code, out, e)
		}
		return out + e
	}
	save(false)
	w.write(t, "/public/", "")
	if out := check(); strings.Contains(out, said) {
		t.Fatalf("check-config warns with alice an administrator:\n%s", out)
	}
	s := serveWorld(t, w)

	save(true)
	if out := check(); !strings.Contains(out, "warning:") || !strings.Contains(out, "users.file") || !strings.Contains(out, said) {
		t.Errorf("check-config with no administrator who can sign in says nothing of it:\n%s", out)
	}
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(s.logs.String(), said); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the gateway took the edit without a word:\n%s", s.logs.String())
		}
	}
	if !strings.Contains(s.logs.String(), `"level":"ERROR"`) {
		t.Errorf("not logged at error level:\n%s", s.logs.String())
	}
}

// TestGatewayStartedWithoutAnAdministratorSaysSo: a gateway started (or
// reloaded) on a users.yaml where nobody can sign in to the console
// logs it as a configuration warning, as check-config prints it.
// Before, it started without a word.
func TestGatewayStartedWithoutAnAdministratorSaysSo(t *testing.T) {
	w := newReloadWorld(t) // users: {}
	w.write(t, "/public/", "")
	s := serveWorld(t, w)
	if !strings.Contains(s.logs.String(), "no administrator can sign in") {
		t.Fatalf("started without a word:\n%s", s.logs.String())
	}
}

// oneAdminUsers is a users.yaml with one administrator who can sign in,
// for the checks whose warnings are counted: an empty file is warned of
// (TestUsersFileLeavingNoAdministratorIsSaid), and its hash has bcrypt
// cost 10, which is not (docs/contract.md, "users.yaml (file backend)").
const oneAdminUsers = "users:\n  root:\n    groups: [admins]\n    password: \"$2a$10$abcdefghijklmnopqrstuuK0pKk7G2n2nYEAm1aUO5mB8S0bm4v5a\"\n"
