package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
	"github.com/pquerna/otp/totp"
)

var issuedCodeRe = regexp.MustCompile(`(?m)^    ([0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4})$`)

// TestIssueRecoveryAndReset2FA: an administrator's one-time code from
// `gatehouse user issue-recovery` signs the person in after the password
// on a running gateway (file and redis user backends, one Redis store),
// once; `reset-2fa` clears the phone and its code gets the person in to
// bind a new one, and removes any authenticator app (docs/contract.md,
// "Recovery codes").
// opsWorld is a running gateway on a Redis store with one account, ada,
// and what a test needs to drive it and the operator commands.
type opsWorld struct {
	cfg, addr string
}

// startOps starts it with the user backend given (file or redis).
func startOps(t *testing.T, redisAddr, backend string) opsWorld {
	t.Helper()
	dir := t.TempDir()
	key := filepath.Join(dir, "gatehouse.key")
	if code, _, e := runCmd(t, "", "keygen", "-o", key); code != 0 {
		t.Fatal(e)
	}
	users := filepath.Join(dir, "users.yaml")
	if err := os.WriteFile(users, []byte("users: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "gateway.yaml")
	// No admin listener: the default 127.0.0.1:9090 would be taken by
	// whichever of these tests ran first.
	yaml := fmt.Sprintf(`server:
  listen: %q
  admin_listen: ""
  public_url: "http://%s"
session: { secure: false }
store:
  driver: redis
  key_prefix: "rc-%s:"
  redis: { addrs: [%q] }
users: { backend: %s, file: %q }
hashing: { worker: false, argon2id: { memory_kib: 1024, iterations: 1, parallelism: 1 } }
identity: { signing_key_file: %q }
totp: { enabled: true, secret_key: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" }
sms: { provider: console }
routes:
  - { name: crm, host: %q, path_prefix: /, upstream: "http://127.0.0.1:9", policy: two_factor }
`, addr, addr, backend, redisAddr, backend, users, key, strings.Split(addr, ":")[0])
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, e := runCmd(t, "a long recovery passphrase\n", "user", "add", "-c", cfg, "--phone", "+1 201 555 0180", "ada"); code != 0 {
		t.Fatalf("user add: %d\n%s%s", code, out, e)
	}
	runServe(t, cfg, addr)

	return opsWorld{cfg: cfg, addr: addr}
}

// post sends a JSON API request with c's cookies.
func (w opsWorld) post(t *testing.T, c *http.Client, path, body string) (int, map[string]any) {
	t.Helper()
	resp, err := c.Post("http://"+w.addr+"/_gatehouse/api/"+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func newJarClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

func TestIssueRecoveryAndReset2FA(t *testing.T) {
	redisAddr := testredis.Start(t)
	for _, backend := range []string{"file", "redis"} {
		t.Run(backend, func(t *testing.T) {
			w := startOps(t, redisAddr, backend)
			cfg, addr := w.cfg, w.addr
			issue := func(sub string) string {
				t.Helper()
				code, out, e := runCmd(t, "", "user", sub, "-c", cfg, "ada")
				if code != 0 {
					t.Fatalf("user %s: %d\n%s%s", sub, code, out, e)
				}
				m := issuedCodeRe.FindStringSubmatch(out)
				if m == nil {
					t.Fatalf("user %s printed no code:\n%s", sub, out)
				}
				return m[1]
			}
			post := func(c *http.Client, path, body string) (int, map[string]any) {
				t.Helper()
				resp, err := c.Post("http://"+addr+"/_gatehouse/api/"+path, "application/json", strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var m map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&m)
				return resp.StatusCode, m
			}
			client := func() *http.Client {
				jar, _ := cookiejar.New(nil)
				return &http.Client{Jar: jar}
			}
			login := `{"username":"ada","password":"a long recovery passphrase"}`

			code := issue("issue-recovery")
			c := client()
			if st, m := post(c, "login", login); st != 200 || m["status"] != "otp_required" {
				t.Fatalf("login: %d %v", st, m)
			}
			if st, m := post(c, "recovery", `{"code":"`+code+`"}`); st != 200 || m["status"] != "authenticated" {
				t.Fatalf("issued code: %d %v", st, m)
			}
			c2 := client()
			post(c2, "login", login)
			if st, _ := post(c2, "recovery", `{"code":"`+code+`"}`); st != http.StatusUnauthorized {
				t.Fatalf("issued code twice: %d, want 401", st)
			}
			if code, out, e := runCmd(t, "", "user", "issue-recovery", "-c", cfg, "nobody"); code == 0 || !strings.Contains(out+e, `no account "nobody"`) {
				t.Fatalf("issue-recovery for nobody: %d\n%s%s", code, out, e)
			}

			if backend == "file" {
				if code, out, e := runCmd(t, "", "user", "reset-2fa", "-c", cfg, "ada"); code == 0 || !strings.Contains(out+e, "users.backend: redis") {
					t.Fatalf("reset-2fa on the file backend: %d\n%s%s", code, out, e)
				}
				return
			}
			// Signed in with password and recovery code, fresh: ada sets up
			// an authenticator app, which reset-2fa must remove too.
			st, m := post(c, "totp-app", `{}`)
			secret, _ := m["secret"].(string)
			if st != 200 || secret == "" {
				t.Fatalf("enrol an app: %d %v", st, m)
			}
			appCode, err := totp.GenerateCode(secret, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if st, m := post(c, "totp-app", `{"code":"`+appCode+`"}`); st != 200 {
				t.Fatalf("confirm the app: %d %v", st, m)
			}
			code = issue("reset-2fa")
			// The old session ended with the phone binding: at once where
			// the account is read from Redis, within the client cache's
			// invalidation delay where it is read from memory.
			deadline := time.Now().Add(2 * time.Second)
			for {
				st, _ := post(c, "recovery-codes", `{}`)
				if st == http.StatusUnauthorized {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("session after reset-2fa: %d, want 401", st)
				}
				time.Sleep(20 * time.Millisecond)
			}
			c3 := client()
			if st, m := post(c3, "login", login); st != http.StatusForbidden || m["error"].(map[string]any)["code"] != "no_phone" {
				t.Fatalf("login without a phone: %d %v", st, m)
			}
			if st, m := post(c3, "recovery", `{"code":"`+code+`"}`); st != 200 || m["status"] != "authenticated" {
				t.Fatalf("reset-2fa code: %d %v", st, m)
			}
		})
	}
}

// TestOperatorCommands: `gatehouse user sessions|revoke|unban` and
// `gatehouse audit tail` do from a shell what the console does, on a
// running gateway's Redis, and land in the same audit trail.
func TestOperatorCommands(t *testing.T) {
	w := startOps(t, testredis.Start(t), "file")
	ops := func(args ...string) string {
		t.Helper()
		code, out, e := runCmd(t, "", append(args[:1:1], append([]string{args[1], "-c", w.cfg}, args[2:]...)...)...)
		if code != 0 {
			t.Fatalf("%v: %d\n%s%s", args, code, out, e)
		}
		return out
	}
	login := `{"username":"ada","password":"a long recovery passphrase"}`
	c := newJarClient()
	if st, m := w.post(t, c, "login", login); st != 200 || m["status"] != "otp_required" {
		t.Fatalf("login: %d %v", st, m)
	}
	if out := ops("user", "sessions", "ada"); strings.Count(out, "\n") != 2 || !strings.Contains(out, "SESSION") {
		t.Fatalf("user sessions:\n%s", out)
	}
	if out := ops("user", "revoke", "ada"); !strings.HasPrefix(out, "1 session(s) of ada ended") {
		t.Fatalf("user revoke: %s", out)
	}
	if st, _ := w.post(t, c, "otp", `{"code":"000000"}`); st == 200 {
		t.Fatal("the revoked session went on to sign in")
	}

	for range 5 {
		w.post(t, newJarClient(), "login", `{"username":"ada","password":"wrong wrong wrong"}`)
	}
	if st, m := w.post(t, newJarClient(), "login", login); st != http.StatusTooManyRequests {
		t.Fatalf("after five wrong passwords: %d %v, want 429", st, m)
	}
	if out := ops("user", "bans"); !strings.Contains(out, "account  ada") || !strings.Contains(out, "banned") {
		t.Fatalf("user bans:\n%s", out)
	}
	if code, _, _ := runCmd(t, "", "user", "lift-ban", "-c", w.cfg, "ban:u:not-a-handle"); code == 0 {
		t.Error("lift-ban of a handle the list never gives was accepted")
	}
	if out := ops("user", "lift-ban", "192.0.2.99"); !strings.Contains(out, "no ban on 192.0.2.99") {
		t.Fatalf("lift-ban of a free address: %s", out)
	}
	if out := ops("user", "unban", "ada"); !strings.Contains(out, "lifted") {
		t.Fatalf("user unban: %s", out)
	}
	if st, m := w.post(t, newJarClient(), "login", login); st != 200 {
		t.Fatalf("after unban: %d %v", st, m)
	}

	out := ops("audit", "tail", "--user", "ada", "-n", "100")
	var events []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct{ Event, Actor string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit tail line %q: %v", line, err)
		}
		events = append(events, r.Event)
		if strings.HasPrefix(r.Event, "admin_") && !strings.HasPrefix(r.Actor, "cli") {
			t.Errorf("%s without the operator as actor: %q", r.Event, r.Actor)
		}
	}
	joined := strings.Join(events, " ")
	for _, want := range []string{"otp_sent", "admin_sessions_revoked", "banned", "admin_unbanned", "login_failed"} {
		if !strings.Contains(joined, want) {
			t.Errorf("audit tail lacks %s: %v", want, events)
		}
	}
	if code, _, _ := runCmd(t, "", "user", "unban", "-c", w.cfg, "ada@example.com"); code == 0 {
		t.Error("unban by email, not the exact username, was accepted")
	}

	// A bearer token for scripts: created, listed, used, revoked.
	tok := func(sub string, args ...string) string {
		t.Helper()
		code, out, e := runCmd(t, "", append([]string{"admin", "token", sub, "-c", w.cfg}, args...)...)
		if code != 0 {
			t.Fatalf("admin token %s: %d\n%s%s", sub, code, out, e)
		}
		return out
	}
	token := strings.TrimSpace(tok("create", "--name", "nightly", "--ttl", "1d"))
	if !strings.HasPrefix(token, "ghadm_nightly.") {
		t.Fatalf("token %q", token)
	}
	if out := tok("list"); !strings.Contains(out, "nightly") || strings.Contains(out, token) {
		t.Fatalf("token list:\n%s", out)
	}
	get := func() int {
		req, _ := http.NewRequest(http.MethodGet, "http://"+w.addr+"/_gatehouse/api/admin/users", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := get(); st != http.StatusOK {
		t.Fatalf("admin API with the token: %d", st)
	}
	tok("revoke", "nightly")
	if st := get(); st != http.StatusUnauthorized {
		t.Fatalf("admin API with a revoked token: %d", st)
	}
	// Both are on the trail, by the operator, with the token's name only.
	for _, event := range []string{"admin_token_created", "admin_token_revoked"} {
		out := ops("audit", "tail", "--event", event)
		var r auth.AuditRecord
		if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &r); err != nil || r.Attrs["token"] != "nightly" || !strings.HasPrefix(r.Actor, "cli:") {
			t.Errorf("%s on the trail: %q", event, out)
		}
		if strings.Contains(out, token) {
			t.Errorf("%s holds the token: %q", event, out)
		}
	}
}
