package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
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
		prevMode os.FileMode // a key in identity.previous_key_files
		warned   []string    // keys warned of
		// prevPublic: the previous key file holds the public key alone.
		prevPublic bool
	}{
		{"owner only", 0o600, 0o400, 0o600, nil, false},
		{"group may read", 0o640, 0o440, 0o640, nil, false},
		{"signing key readable by all", 0o644, 0o600, 0o600, []string{"identity.signing_key_file"}, false},
		{"totp key readable by all", 0o600, 0o444, 0o600, []string{"totp.secret_key_file"}, false},
		{"both writable by all", 0o666, 0o606, 0o600, []string{"identity.signing_key_file", "totp.secret_key_file"}, false},
		// A previous key still signs whatever whoever holds it likes.
		{"previous key readable by all", 0o600, 0o600, 0o644, []string{"identity.previous_key_files.0"}, false},
		{"previous public key readable by all", 0o600, 0o600, 0o644, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			key, prev := filepath.Join(dir, "gatehouse.key"), filepath.Join(dir, "old.key")
			for _, k := range []string{key, prev} {
				if code, _, e := runCmd(t, "", "keygen", "-o", k); code != 0 {
					t.Fatal(e)
				}
			}
			if tc.prevPublic {
				writePublicKey(t, prev)
			}
			totp := filepath.Join(dir, "totp.key")
			const totpKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes
			if err := os.WriteFile(totp, []byte(totpKey+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			for path, mode := range map[string]os.FileMode{key: tc.keyMode, totp: tc.totpMode, prev: tc.prevMode} {
				if err := os.Chmod(path, mode); err != nil {
					t.Fatal(err)
				}
			}
			users := filepath.Join(dir, "users.yaml")
			if err := os.WriteFile(users, []byte(oneAdminUsers), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := filepath.Join(dir, "gateway.yaml")
			body := fmt.Sprintf(`server:
  public_url: "https://auth.example.com"
users:
  file: %q
identity:
  signing_key_file: %q
  previous_key_files: [%q]
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
`, users, key, prev, totp)
			if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCmd(t, "", "check-config", "-c", cfg)
			if code != 0 {
				t.Fatalf("exit %d, want 0 (a warning)\n%s%s", code, out, errOut)
			}
			lines := map[string]int{"identity.signing_key_file": 6, "identity.previous_key_files.0": 7, "totp.secret_key_file": 10}
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

// writePublicKey replaces the private key in path with its public key,
// as a PEM "PUBLIC KEY" block (what identity.previous_key_files may hold).
func writePublicKey(t *testing.T, path string) {
	t.Helper()
	priv, err := auth.LoadSigningKey(path)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
