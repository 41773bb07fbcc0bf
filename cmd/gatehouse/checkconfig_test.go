package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestCheckConfigHardening runs `check-config` on configurations with
// values beyond what ASVS and NIST advise (warnings: exit 0, one
// "FILE:LINE: warning: key: why" line each, then OK) and with values that
// break the security model (problems: exit 1).
func TestCheckConfigHardening(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "gatehouse.key")
	if code, _, e := runCmd(t, "", "keygen", "-o", key); code != 0 {
		t.Fatal(e)
	}
	users := filepath.Join(dir, "users.yaml")
	os.WriteFile(users, []byte(oneAdminUsers), 0o600)
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(fmt.Sprintf("users:\n  file: %q\nidentity:\n  signing_key_file: %q\n", users, key)+body), 0o600)
		return path
	}
	const route = `routes:
  - name: app
    host: app.example.com
    upstream: "http://127.0.0.1:9001"
    policy: password
`

	weak := write("weak.yaml", `server:
  public_url: "https://auth.example.com"
otp:
  ttl: 15m
  max_attempts: 20
regulation:
  max_failures: 1000
session:
  remember_me: 2160h
`+route)
	code, out, errOut := runCmd(t, "", "check-config", "-c", weak)
	if code != 0 {
		t.Fatalf("warnings only: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		weak + ":8: warning: otp.ttl: ",
		weak + ":9: warning: otp.max_attempts: ",
		weak + ":11: warning: regulation.max_failures: ",
		weak + ":13: warning: session.remember_me: ",
		// The default console writes codes to standard error, with the
		// logs: warned of on no line, the key being left unwritten.
		weak + ": warning: sms.provider: ",
		weak + ": OK (1 routes)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "warning:"); n != 5 {
		t.Errorf("%d warnings, want 5:\n%s", n, out)
	}

	broken := filepath.Join(dir, "broken.yaml")
	os.WriteFile(broken, []byte(fmt.Sprintf(`server:
  public_url: "https://auth.example.com"
  trusted_proxies: ["0.0.0.0/0"]
session:
  cookie_domain: "com"
users:
  file: %q
  password_policy: { min_length: 6 }
identity:
  signing_key_file: %q
  headers: { name: "Origin", groups: "Sec-Fetch-User" }
sms:
  provider: webhook
  webhook: { url: "http://169.254.169.254/latest", secret: "s" }
otp:
  ttl: 20m
`, users, key)+route), 0o600)
	code, out, _ = runCmd(t, "", "check-config", "-c", broken)
	if code != 1 {
		t.Fatalf("refused values: exit %d, want 1\n%s", code, out)
	}
	line := regexp.MustCompile(`^` + regexp.QuoteMeta(broken) + `:\d+: (warning: )?[a-z_.0-9]+: .+$`)
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !line.MatchString(l) {
			t.Errorf("line %q is not FILE:LINE: [warning: ]key: message", l)
		}
	}
	for _, key := range []string{
		"server.trusted_proxies.0", "session.cookie_domain", "users.password_policy.min_length",
		"identity.headers.name", "identity.headers.groups", "sms.webhook.url",
	} {
		if !regexp.MustCompile(regexp.QuoteMeta(broken) + `:\d+: ` + regexp.QuoteMeta(key) + `: `).MatchString(out) {
			t.Errorf("no problem reported for %s:\n%s", key, out)
		}
	}
	if !strings.Contains(out, "warning: otp.ttl: ") {
		t.Errorf("the warning is not printed with the problems:\n%s", out)
	}
}

// TestServeLogsConfigWarnings checks that `serve` starts with a
// configuration that has only warnings, and logs each of them.
func TestServeLogsConfigWarnings(t *testing.T) {
	_, stderr := startServe(t, func(addr, users, key string) string {
		return fmt.Sprintf(`server:
  listen: %q
  public_url: "http://127.0.0.1"
  admin_listen: ""
session:
  secure: false
users:
  file: %q
identity:
  signing_key_file: %q
otp:
  ttl: 30m
`, addr, users, key)
	})
	out := stderr.waitFor(`"key":"otp.ttl"`, 2*time.Second)
	if !strings.Contains(out, `"msg":"configuration warning"`) || !strings.Contains(out, `"key":"otp.ttl"`) {
		t.Fatalf("no warning logged at start:\n%s", out)
	}
}

// TestCheckConfigMissingFiles: the files a newcomer has not made yet,
// the signing key and users.yaml, are reported with what to run; one
// the file names at its line, one left to its default without a line
// (never "FILE:0:") and saying it is the default; and running
// check-config where there is no gateway.yaml says how to name one.
func TestCheckConfigMissingFiles(t *testing.T) {
	dir := t.TempDir()
	const routes = `server:
  public_url: "https://auth.example.com"
routes:
  - name: app
    host: app.example.com
    upstream: "http://127.0.0.1:9001"
    policy: password
`
	tests := []struct {
		name, body string
		want       []string
	}{
		{"left to their defaults", routes, []string{
			"gateway.yaml: identity.signing_key_file (not in this file: the default): key file " + filepath.Join(dir, "gatehouse.key") + ": file does not exist; create one with `gatehouse keygen -o " + filepath.Join(dir, "gatehouse.key") + "`\n",
			"gateway.yaml: users.file (not in this file: the default): users file: open " + filepath.Join(dir, "users.yaml") + ": no such file or directory; create it with `gatehouse user add",
		}},
		{"named in the file", routes + "identity:\n  signing_key_file: my.key\nusers:\n  file: people.yaml\n", []string{
			"gateway.yaml:9: identity.signing_key_file: key file " + filepath.Join(dir, "my.key") + ": file does not exist; create one with `gatehouse keygen -o " + filepath.Join(dir, "my.key") + "`\n",
			"gateway.yaml:11: users.file: users file: open " + filepath.Join(dir, "people.yaml") + ": no such file or directory; create it with `gatehouse user add",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "gateway.yaml")
			if err := os.WriteFile(path, []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCmd(t, "", "check-config", "-c", path)
			if code != 1 {
				t.Fatalf("exit %d, want 1:\n%s%s", code, out, errOut)
			}
			for _, want := range tt.want {
				if !strings.Contains(out, filepath.Join(dir, want)) && !strings.Contains(out, dir+"/"+want) {
					t.Errorf("output lacks %q:\n%s", dir+"/"+want, out)
				}
			}
			if strings.Contains(out, ":0:") {
				t.Errorf("a problem on line 0:\n%s", out)
			}
		})
	}
	t.Run("no gateway.yaml here", func(t *testing.T) {
		t.Chdir(t.TempDir())
		t.Setenv("GATEHOUSE_CONFIG", "")
		code, out, errOut := runCmd(t, "", "check-config")
		if code != 1 || !strings.Contains(out+errOut, "gateway.yaml") || !strings.Contains(out+errOut, "-c FILE") || !strings.Contains(out+errOut, "GATEHOUSE_CONFIG") {
			t.Errorf("exit %d, want 1 and a word of -c FILE and $GATEHOUSE_CONFIG:\n%s%s", code, out, errOut)
		}
	})
}
