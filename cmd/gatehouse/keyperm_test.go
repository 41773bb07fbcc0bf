package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCheckConfigWarnsOfSecretsOthersCanRead runs `check-config` on a
// configuration whose signing key or secret file any user of the machine
// can read (docs/contract.md, "check-config"): the signing key forges
// every assertion and the TOTP key opens every authenticator secret, so
// a mode that lets others read them is a "FILE:LINE: warning: key: ..."
// line naming the mode, exit 0; the owner's and the group's modes are not.
func TestCheckConfigWarnsOfSecretsOthersCanRead(t *testing.T) {
	cases := []struct {
		name     string
		keyMode  os.FileMode
		totpMode os.FileMode
		warned   []string // keys warned of
	}{
		{"owner only", 0o600, 0o400, nil},
		{"group may read", 0o640, 0o440, nil},
		{"signing key readable by all", 0o644, 0o600, []string{"identity.signing_key_file"}},
		{"totp key readable by all", 0o600, 0o444, []string{"totp.secret_key_file"}},
		{"both writable by all", 0o666, 0o606, []string{"identity.signing_key_file", "totp.secret_key_file"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			key := filepath.Join(dir, "gatehouse.key")
			if code, _, e := runCmd(t, "", "keygen", "-o", key); code != 0 {
				t.Fatal(e)
			}
			totp := filepath.Join(dir, "totp.key")
			const totpKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes
			if err := os.WriteFile(totp, []byte(totpKey+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			for path, mode := range map[string]os.FileMode{key: tc.keyMode, totp: tc.totpMode} {
				if err := os.Chmod(path, mode); err != nil {
					t.Fatal(err)
				}
			}
			users := filepath.Join(dir, "users.yaml")
			if err := os.WriteFile(users, []byte("users: {}\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := filepath.Join(dir, "gateway.yaml")
			body := fmt.Sprintf(`server:
  public_url: "https://auth.example.com"
users:
  file: %q
identity:
  signing_key_file: %q
totp:
  enabled: true
  secret_key_file: %q
routes:
  - name: app
    host: app.example.com
    upstream: "http://127.0.0.1:9001"
    policy: password
sms:
  console: { file: sms.jsonl } # not standard error: the only warnings are the files'
`, users, key, totp)
			if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCmd(t, "", "check-config", "-c", cfg)
			if code != 0 {
				t.Fatalf("exit %d, want 0 (a warning)\n%s%s", code, out, errOut)
			}
			lines := map[string]int{"identity.signing_key_file": 6, "totp.secret_key_file": 9}
			for key, line := range lines {
				want := fmt.Sprintf("%s:%d: warning: %s: ", cfg, line, key)
				if got := strings.Contains(out, want); got != slices.Contains(tc.warned, key) {
					t.Errorf("warning %q: %v, want %v\n%s", want, got, !got, out)
				}
			}
			if strings.Contains(out, totpKey) || strings.Contains(out, "PRIVATE KEY") {
				t.Errorf("the output shows a secret:\n%s", out)
			}
			if n := strings.Count(out, "warning:"); n != len(tc.warned) {
				t.Errorf("%d warnings, want %d:\n%s", n, len(tc.warned), out)
			}
		})
	}
}
