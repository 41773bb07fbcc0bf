package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConsoleSenderInTheLogsIsWarnedOf: sms.provider console, the
// default, writes every code with the whole phone number to standard
// error, the stream the logs go to (docs/contract.md, "Logs and audit":
// never a code). Outside --dev that is a configuration warning naming
// sms.provider, from check-config and logged by serve at start; a console
// writing to a file of its own, or serve --dev, is not warned of.
func TestConsoleSenderInTheLogsIsWarnedOf(t *testing.T) {
	t.Run("serve", func(t *testing.T) {
		w := startSMSGateway(t, "provider: console", "")
		if status, body := w.client(t).login("alice"); status != http.StatusOK || body["status"] != "otp_required" {
			t.Fatalf("login: %d %v", status, body)
		}
		logs := w.stderr.waitFor(`"key":"sms.provider"`, 2*time.Second)
		if !strings.Contains(logs, `"msg":"configuration warning"`) || !strings.Contains(logs, `"key":"sms.provider"`) {
			t.Fatalf("serve (not --dev) wrote alice's code and number to standard error with its logs, and warned of nothing:\n%s", logs)
		}
	})

	dir := t.TempDir()
	key := filepath.Join(dir, "gatehouse.key")
	if code, _, e := runCmd(t, "", "keygen", "-o", key); code != 0 {
		t.Fatal(e)
	}
	users := filepath.Join(dir, "users.yaml")
	smsMust(t, os.WriteFile(users, []byte("users: {}\n"), 0o600))
	cases := []struct {
		name, sms string
		dev       bool
		warned    bool
	}{
		{"the default", "", false, true},
		{"console to standard error", "sms:\n  provider: console\n  console: { file: \"\" }\n", false, true},
		{"console to a file", fmt.Sprintf("sms:\n  provider: console\n  console: { file: %q }\n", filepath.Join(dir, "sms.jsonl")), false, false},
		{"the default with --dev", "", true, false},
	}
	for _, tc := range cases {
		t.Run("check-config: "+tc.name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "gateway.yaml")
			body := fmt.Sprintf(`server:
  public_url: "https://auth.example.com"
users:
  file: %q
identity:
  signing_key_file: %q
%sroutes:
  - name: app
    host: app.example.com
    upstream: "http://127.0.0.1:9001"
    policy: password
`, users, key, tc.sms)
			smsMust(t, os.WriteFile(cfg, []byte(body), 0o600))
			args := []string{"check-config", "-c", cfg}
			if tc.dev {
				args = append(args, "--dev", "-listen", "127.0.0.1:18080")
			}
			code, out, errOut := runCmd(t, "", args...)
			if code != 0 {
				t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
			}
			if got := strings.Contains(out, "warning: sms.provider: "); got != tc.warned {
				t.Fatalf("warned of sms.provider: %v, want %v\n%s", got, tc.warned, out)
			}
		})
	}
}
