package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAMissingDerivationKeyIsNotToBeCreated: identity.derivation_key_file
// names a file that is not there (the old signing key, moved or deleted
// once it left previous_key_files). check-config and serve refuse it, as
// they refuse a public key in its place, and say to restore that file,
// never to create one: a new key there leaves every account's
// authenticator app, passkeys, recovery codes, bans and known devices
// behind, silently (docs/contract.md, "Identity headers"). Before, both
// answered as for a missing signing key, "create one with `gatehouse
// keygen -o FILE`", and the operator who followed the advice lost them.
// A derivation key others can read is a warning.
func TestAMissingDerivationKeyIsNotToBeCreated(t *testing.T) {
	dir := t.TempDir()
	key, old, public := filepath.Join(dir, "gatehouse.key"), filepath.Join(dir, "old.key"), filepath.Join(dir, "public.key")
	for _, k := range []string{key, old, public} {
		if code, _, e := runCmd(t, "", "keygen", "-o", k); code != 0 {
			t.Fatal(e)
		}
	}
	writePublicKey(t, public)
	users := filepath.Join(dir, "users.yaml")
	if err := os.WriteFile(users, []byte("users: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	config := func(t *testing.T, derivation string) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "gateway.yaml")
		body := fmt.Sprintf(`server:
  public_url: "https://auth.example.com"
  listen: "127.0.0.1:0"
users:
  file: %q
identity:
  signing_key_file: %q
  derivation_key_file: %q
routes:
  - name: app
    host: app.example.com
    upstream: "http://127.0.0.1:9001"
    policy: password
sms:
  console: { file: %q }
`, users, key, derivation, filepath.Join(dir, "sms.jsonl"))
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, tc := range []struct {
		name       string
		derivation string
		refused    bool
		mode       os.FileMode
	}{
		{"missing", filepath.Join(dir, "gone.key"), true, 0},
		{"a public key", public, true, 0},
		{"readable by all", old, false, 0o644},
		{"the owner's", old, false, 0o600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.mode != 0 {
				if err := os.Chmod(tc.derivation, tc.mode); err != nil {
					t.Fatal(err)
				}
			}
			cfg := config(t, tc.derivation)
			code, out, errOut := runCmd(t, "", "check-config", "-c", cfg)
			line := cfg + ":8: identity.derivation_key_file: "
			if got := code != 0 && strings.Contains(out, line); got != tc.refused {
				t.Fatalf("check-config: exit %d, refused %v, want %v\n%s%s", code, got, tc.refused, out, errOut)
			}
			warned := strings.Contains(out, cfg+":8: warning: identity.derivation_key_file: ")
			if want := tc.mode&0o004 != 0; warned != want {
				t.Errorf("check-config warned %v, want %v\n%s", warned, want, out)
			}
			if !tc.refused {
				return
			}
			if strings.Contains(out, "keygen") {
				t.Errorf("check-config tells the operator to make a new derivation key:\n%s", out)
			}
			code, _, errOut = runCmd(t, "", "serve", "-c", cfg)
			if code == 0 || !strings.Contains(errOut, "identity.derivation_key_file") {
				t.Fatalf("serve: exit %d, want a refusal naming identity.derivation_key_file\n%s", code, errOut)
			}
			if strings.Contains(errOut, "keygen") {
				t.Errorf("serve tells the operator to make a new derivation key:\n%s", errOut)
			}
		})
	}
}
