package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUserAddFileBackend: with users.backend: file, `gatehouse user add`
// creates users.file (mode 0600, relative to the configuration's folder),
// adds to it, says that a running gateway picks it up, and refuses bad
// input with a clear error, leaving the file as it was.
func TestUserAddFileBackend(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "gateway.yaml")
	if code, _, e := runCmd(t, "", "keygen", "-o", filepath.Join(dir, "gatehouse.key")); code != 0 {
		t.Fatal(e)
	}
	os.WriteFile(cfg, []byte(`users:
  backend: file
  file: users.yaml
hashing:
  argon2id: { memory_kib: 1024, iterations: 1, parallelism: 1 }
identity:
  signing_key_file: gatehouse.key
`), 0o600)
	users := filepath.Join(dir, "users.yaml")

	code, out, errOut := runCmd(t, "a long file passphrase\n", "user", "add", "-c", cfg, "--phone", "+1 201 555 0100", "--email", "Alice@Example.com", "--name", "Alice Example", "--groups", "admins", "alice")
	if code != 0 || !strings.Contains(out, "added alice to "+users+" (a new file, mode 0600)") || !strings.Contains(out, "no restart or SIGHUP needed") {
		t.Fatalf("user add: exit %d\n%s%s", code, out, errOut)
	}
	if info, err := os.Stat(users); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("users file: %v %v", info, err)
	}
	if code, out, _ := runCmd(t, "another long passphrase\n", "user", "add", "-c", cfg, "--phone", "+12015550101", "bob"); code != 0 || strings.Contains(out, "new file") {
		t.Fatalf("second user add: exit %d\n%s", code, out)
	}
	if code, out, errOut := runCmd(t, "", "check-config", "-c", cfg); code != 0 {
		t.Fatalf("check-config after user add: exit %d\n%s%s", code, out, errOut)
	}
	before, _ := os.ReadFile(users)
	for _, tc := range []struct {
		name, stdin, want string
		args              []string
	}{
		{"duplicate username", "a long file passphrase\n", "user alice: already in the users file", []string{"alice"}},
		{"duplicate phone", "a long file passphrase\n", "is user alice's", []string{"--phone", "+1 (201) 555-0100", "carol"}},
		{"bad phone", "a long file passphrase\n", "phone:", []string{"--phone", "+1 555", "carol"}},
		{"bad username", "a long file passphrase\n", "not a valid username", []string{"car ol"}},
		{"weak password", "password\n", "password refused", []string{"carol"}},
		{"no password", "", "empty password", []string{"carol"}},
	} {
		code, out, errOut := runCmd(t, tc.stdin, append([]string{"user", "add", "-c", cfg}, tc.args...)...)
		if code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, want 1 and %q\n%s%s", tc.name, code, tc.want, out, errOut)
		}
		if after, _ := os.ReadFile(users); string(after) != string(before) {
			t.Errorf("%s: the users file changed:\n%s", tc.name, after)
		}
	}
	if code, _, errOut := runCmd(t, "", "user", "list", "-c", cfg); code != 1 || !strings.Contains(errOut, "gatehouse user add") {
		t.Errorf("user list with the file backend: exit %d\n%s", code, errOut)
	}
}
