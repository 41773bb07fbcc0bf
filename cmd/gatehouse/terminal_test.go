package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

// unshown are characters that act on a terminal or on the text around
// them rather than show: CSI and NEL (C1 controls, which a UTF-8 terminal
// such as xterm obeys), DEL, a right-to-left override and isolate.
var unshown = []string{"\u009b", "\u0085", "\u007f", "\u202e", "\u2067"}

// holdsUnshown names the first of unshown that s holds raw, or "".
func holdsUnshown(s string) string {
	for _, u := range unshown {
		if strings.Contains(s, u) {
			return fmt.Sprintf("%U", []rune(u)[0])
		}
	}
	return ""
}

// TestLogsShowNoTerminalControls: serve's log lines are JSON whose
// strings hold only characters a terminal shows, the rest written as
// \u escapes, so that the same value is read back (docs/contract.md,
// "Logs and audit"). Before, a request for /%C2%9B2J%E2%80%AE… wrote CSI
// and a right-to-left override raw into the access log's path: whoever
// read `docker logs` or `kubectl logs` on a terminal had it obey the
// client's escape sequence (clear the screen, retitle the window), and
// the override turned the rest of the line around.
func TestLogsShowNoTerminalControls(t *testing.T) {
	addr, stderr := startServe(t, func(addr, users, key string) string {
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
routes:
  - name: app
    host: app.example.com
    upstream: "http://127.0.0.1:9"
    policy: password
`, addr, users, key)
	})
	path := "/\u009b2J\u0085x\u007fy\u202e\u2067gnp.tset"
	for _, target := range []string{"/_gatehouse" + path, path} {
		req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Path = target
		req.Host = "app.example.com"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	stderr.waitFor(`gnp.tset`, 5*time.Second)
	time.Sleep(200 * time.Millisecond) // the second request's line
	seen := 0
	for _, line := range strings.Split(stderr.String(), "\n") {
		if !strings.Contains(line, "gnp.tset") {
			continue
		}
		if u := holdsUnshown(line); u != "" {
			t.Errorf("a log line holds %s raw: %q", u, line)
		}
		var rec struct{ Msg, Path string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec.Msg == "request" {
			seen++
			if !strings.HasSuffix(rec.Path, path) {
				t.Errorf("the access log reads the path as %q, want %q", rec.Path, path)
			}
		}
	}
	if seen != 2 {
		t.Errorf("%d access log lines of the two requests:\n%s", seen, stderr.String())
	}
}

// TestAuditTailShowsNoTerminalControls: `gatehouse audit tail` prints
// records with only characters a terminal shows, the rest as \u escapes
// of the same JSON value. Before, json.Marshal left C1 controls and bidi
// overrides raw: a record kept with one (a passkey's name kept before
// names were cleaned, still on the trail for audit.retain.max_age)
// reached the operator's terminal.
func TestAuditTailShowsNoTerminalControls(t *testing.T) {
	cfgPath, _ := cliWorld(t, "tty:")
	cfg, st := cliStore(t, cfgPath)
	name := "Laptop \u009b2J\u0085\u007f\u202eyeK\u2067"
	log := redisstore.NewAuditLog(st.Client(), cfg.Store.KeyPrefix, auditRetain(cfg), time.Second)
	if err := log.Append(t.Context(), auth.AuditRecord{Event: "passkey_registered", Class: auth.AuditHistory, User: "ann", Attrs: map[string]string{"key": name}}); err != nil {
		t.Fatal(err)
	}
	code, out, e := runCmd(t, "", "audit", "tail", "-c", cfgPath)
	if code != 0 {
		t.Fatalf("audit tail: %d\n%s", code, e)
	}
	if u := holdsUnshown(out); u != "" {
		t.Errorf("audit tail prints %s raw: %q", u, out)
	}
	var r auth.AuditRecord
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &r); err != nil {
		t.Fatalf("audit tail printed %q: %v", out, err)
	}
	if r.Attrs["key"] != name {
		t.Errorf("audit tail reads the key's name as %q, want %q", r.Attrs["key"], name)
	}
}

// TestUserCommandsShowNoTerminalControls: `gatehouse user list` and
// `show` print what an account holds in characters a terminal shows,
// the rest as \u escapes. Before, a display name a sign-up took before
// names were checked (kept in the store as it was) reached the
// operator's terminal raw: its CSI sequence obeyed, its override turning
// the columns after it around.
func TestUserCommandsShowNoTerminalControls(t *testing.T) {
	cfgPath, _ := cliWorld(t, "ttyu:")
	_, st := cliStore(t, cfgPath)
	hash, err := auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 1, time.Minute).Hash(t.Context(), "eve's long passphrase")
	if err != nil {
		t.Fatal(err)
	}
	name := "Eve \u009b2J\u0085\u007f\u202enimda\u2067\tx"
	if err := storeusers.New(st, "").Add(t.Context(), &auth.User{Username: "eve", DisplayName: name, PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"list"}, {"show", "eve"}} {
		code, out, e := runCmd(t, "", append([]string{"user", args[0], "-c", cfgPath}, args[1:]...)...)
		if code != 0 {
			t.Fatalf("user %v: %d\n%s", args, code, e)
		}
		if u := holdsUnshown(out); u != "" || strings.Contains(out, "\tx") {
			t.Errorf("user %v prints %s raw: %q", args, u, out)
		}
		if !strings.Contains(out, `Eve \u009b2J\u0085\u007f\u202enimda\u2067\u0009x`) {
			t.Errorf("user %v does not show the name as it is held: %q", args, out)
		}
	}
}
