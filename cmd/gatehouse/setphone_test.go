package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestSetPhoneGivesAnUnprovedNumber: `gatehouse user set-phone` gives an
// account a number nobody proved (an operator's typo, or a caller who
// says they are the account's person and gives their own), so it counts
// as the number of an account an administrator creates does
// (docs/contract.md, "Command line"): a password reset needs a recovery
// code besides its text code, and `show` says so, until a code to it
// comes back after the password. Before, set-phone marked it proved: the
// holder of the number reset the password by the text code alone and
// had the account; set on an invited account, it also undid the invite's
// own unproved mark.
func TestSetPhoneGivesAnUnprovedNumber(t *testing.T) {
	redisAddr := testredis.Start(t)
	smsFile := filepath.Join(t.TempDir(), "sms.jsonl")
	var cfgPath string
	addr, _ := startServe(t, func(addr, users, key string) string {
		cfgPath = filepath.Join(filepath.Dir(users), "gateway.yaml")
		return fmt.Sprintf(`server:
  listen: %q
  admin_listen: ""
  public_url: "http://%s"
session: { secure: false }
store:
  driver: redis
  key_prefix: "setphone:"
  redis: { addrs: [%q] }
users: { backend: redis }
hashing: { worker: false, argon2id: { memory_kib: 1024, iterations: 1, parallelism: 1 } }
identity: { signing_key_file: %q }
sms: { provider: console, console: { file: %q } }
routes:
  - { name: app, host: %q, path_prefix: /, upstream: "http://127.0.0.1:9", policy: password }
`, addr, addr, redisAddr, key, smsFile, strings.Split(addr, ":")[0])
	})
	w := opsWorld{cfg: cfgPath, addr: addr}
	if code, out, e := runCmd(t, "ada's long passphrase\n", "user", "add", "-c", cfgPath, "--phone", "+1 201 555 0180", "ada"); code != 0 {
		t.Fatalf("user add: %d\n%s%s", code, out, e)
	}
	const given = "+12015550181"
	if code, out, e := runCmd(t, "", "user", "set-phone", "-c", cfgPath, "ada", given); code != 0 {
		t.Fatalf("user set-phone: %d\n%s%s", code, out, e)
	}
	if code, out, e := runCmd(t, "", "user", "show", "-c", cfgPath, "ada"); code != 0 || !strings.Contains(out, "phone-unproved") {
		t.Errorf("user show after set-phone: %d, want the flag phone-unproved\n%s%s", code, out, e)
	}

	holder := newJarClient()
	if st, m := w.post(t, holder, "reset", `{"username":"ada"}`); st != http.StatusOK {
		t.Fatalf("reset, step one: %d %v", st, m)
	}
	code := lastCodeTo(t, smsFile, given)
	st, m := w.post(t, holder, "reset", `{"username":"ada","code":"`+code+`","password":"the holder's own choice"}`)
	if st == http.StatusOK {
		t.Fatalf("the holder of the number set-phone gave reset the password by its text code alone")
	}
	e, _ := m["error"].(map[string]any)
	if f, _ := e["fields"].(map[string]any); st != http.StatusBadRequest || f["recovery_code"] == nil {
		t.Fatalf("reset by the text code alone: %d %v, want 400 with the recovery_code field", st, m)
	}
	// Its person signs in with the password and a code to the number:
	// that proves it.
	person := newJarClient()
	if st, m := w.post(t, person, "login", `{"username":"ada","password":"ada's long passphrase"}`); st != http.StatusOK || m["status"] != "otp_required" {
		t.Fatalf("first sign-in after set-phone: %d %v, want otp_required", st, m)
	}
	if st, m := w.post(t, person, "otp", `{"code":"`+lastCodeTo(t, smsFile, given)+`"}`); st != http.StatusOK {
		t.Fatalf("code after the password: %d %v", st, m)
	}
	if code, out, e := runCmd(t, "", "user", "show", "-c", cfgPath, "ada"); code != 0 || strings.Contains(out, "phone-unproved") {
		t.Errorf("user show after a code came back: %d, want the number proved\n%s%s", code, out, e)
	}
}

var consoleCodeRe = regexp.MustCompile(`code is (\d+)`)

// lastCodeTo is the code of the last text the console provider wrote to
// file for the number to.
func lastCodeTo(t *testing.T, file, to string) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	code := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m struct{ To, Body string }
		if json.Unmarshal(sc.Bytes(), &m) == nil && m.To == to {
			if c := consoleCodeRe.FindStringSubmatch(m.Body); c != nil {
				code = c[1]
			}
		}
	}
	if code == "" {
		t.Fatalf("no code to %s in %s", to, file)
	}
	return code
}
