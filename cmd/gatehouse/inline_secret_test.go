package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCheckConfigWarnsOfSecretsInAFileOthersCanRead runs `check-config`
// on a configuration that writes secrets in itself (the TOTP key that
// opens every authenticator secret, the Redis password) while its mode
// lets every user of the machine read it, as a copy, a package's
// /etc file or a Kubernetes ConfigMap (0644) does: each such secret is a
// "FILE:LINE: warning: key: ..." line, exit 0, never showing the secret;
// a secret given as ${VAR}, or a file only its owner and group read, say
// nothing (docs/contract.md, "check-config").
func TestCheckConfigWarnsOfSecretsInAFileOthersCanRead(t *testing.T) {
	const (
		totpKey  = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // 32 bytes
		redisPwd = "InlineRedisPassword42"
	)
	t.Setenv("GH_TEST_TOTP_KEY", totpKey)
	cases := []struct {
		name   string
		mode   os.FileMode
		totp   string // the value written for totp.secret_key
		warned []string
	}{
		{"readable by all", 0o644, totpKey, []string{"store.redis.password", "totp.secret_key"}},
		{"writable by all", 0o602, totpKey, []string{"store.redis.password", "totp.secret_key"}},
		{"owner and group only", 0o640, totpKey, nil},
		{"from the environment", 0o644, "${GH_TEST_TOTP_KEY}", []string{"store.redis.password"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			key := filepath.Join(dir, "gatehouse.key")
			if code, _, e := runCmd(t, "", "keygen", "-o", key); code != 0 {
				t.Fatal(e)
			}
			users := filepath.Join(dir, "users.yaml")
			if err := os.WriteFile(users, []byte(oneAdminUsers), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := filepath.Join(dir, "gateway.yaml")
			body := fmt.Sprintf(`server:
  public_url: "https://auth.example.com"
store:
  redis:
    password: %q
users:
  file: %q
identity:
  signing_key_file: %q
totp:
  enabled: true
  secret_key: %q
routes:
  - name: app
    host: app.example.com
    upstream: "http://127.0.0.1:9001"
    policy: password
sms:
  console: { file: sms.jsonl } # not standard error: the only warnings are the secrets'
`, redisPwd, users, key, tc.totp)
			if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(cfg, tc.mode); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCmd(t, "", "check-config", "-c", cfg)
			if code != 0 {
				t.Fatalf("exit %d, want 0 (a warning)\n%s%s", code, out, errOut)
			}
			lines := map[string]int{"store.redis.password": 5, "totp.secret_key": 12}
			for key, line := range lines {
				want := fmt.Sprintf("%s:%d: warning: %s: ", cfg, line, key)
				if got := strings.Contains(out, want); got != slices.Contains(tc.warned, key) {
					t.Errorf("warning %q: %v, want %v\n%s", want, got, !got, out)
				}
			}
			if strings.Contains(out+errOut, totpKey) || strings.Contains(out+errOut, redisPwd) {
				t.Errorf("the output shows a secret:\n%s", out)
			}
			if n := strings.Count(out, "warning:"); n != len(tc.warned) {
				t.Errorf("%d warnings, want %d:\n%s", n, len(tc.warned), out)
			}
		})
	}
}
