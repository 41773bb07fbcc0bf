package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckConfigWarnsOfTheUsersFile: check-config prints the users
// file's warnings, each at its line of users.yaml, and still passes
// (docs/contract.md, "users.yaml (file backend)").
func TestCheckConfigWarnsOfTheUsersFile(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "gatehouse.key")
	if code, _, e := runCmd(t, "", "keygen", "-o", key); code != 0 {
		t.Fatal(e)
	}
	users := filepath.Join(dir, "users.yaml")
	os.WriteFile(users, []byte(oneAdminUsers+"  alice:\n    groups: [\"staff admins\"]\n    password: \"$2a$10$abcdefghijklmnopqrstuuK0pKk7G2n2nYEAm1aUO5mB8S0bm4v5a\"\n"), 0o600)
	cfg := filepath.Join(dir, "gateway.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`server:
  public_url: "https://auth.example.com"
users:
  file: %q
identity:
  signing_key_file: %q
sms:
  provider: webhook
  webhook: { url: "https://sms.example.com/send", secret: "0123456789abcdef0123456789abcdef" }
otp:
  allowed_countries: ["US"]
routes:
  - name: app
    host: app.example.com
    upstream: "http://127.0.0.1:9001"
    policy: password
`, users, key)), 0o600)
	code, out, errOut := runCmd(t, "", "check-config", "-c", cfg)
	if code != 0 {
		t.Fatalf("warnings only: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		users + `:6: warning: users.alice.groups: group "staff admins" `,
		cfg + ": OK (1 routes)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
