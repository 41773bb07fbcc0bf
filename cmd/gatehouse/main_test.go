package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersionAndUsage(t *testing.T) {
	if code, out, _ := runCmd(t, "", "version"); code != 0 || !strings.HasPrefix(out, "gatehouse ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, _, errOut := runCmd(t, "", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
}

func TestHashPassword(t *testing.T) {
	for _, in := range []string{"s3cret pass\n", "s3cret pass\r\n", "s3cret pass"} {
		code, out, errOut := runCmd(t, in, "hash-password")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		enc := strings.TrimSpace(out)
		if !strings.HasPrefix(enc, "$argon2id$v=19$m=65536,t=3,p=2$") {
			t.Fatalf("not a default-parameter argon2id PHC string: %q", enc)
		}
		h := auth.NewHasher(auth.Argon2Params{MemoryKiB: 65536, Iterations: 3, Parallelism: 2}, 1, time.Minute)
		if ok, err := h.Verify(context.Background(), enc, "s3cret pass"); !ok || err != nil {
			t.Fatalf("hash of %q does not verify: %v", in, err)
		}
	}
	if code, _, _ := runCmd(t, "\n", "hash-password"); code == 0 {
		t.Fatal("empty password accepted")
	}
}

func TestKeygen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.pem")
	code, out, errOut := runCmd(t, "", "keygen", "-o", path)
	if code != 0 || !strings.Contains(out, "kid ") {
		t.Fatalf("keygen: %d %q %q", code, out, errOut)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v", st.Mode(), err)
	}
	if _, err := auth.LoadSigningKey(path); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	if code, _, _ := runCmd(t, "", "keygen", "-o", path); code == 0 {
		t.Fatal("keygen overwrote an existing key")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("existing key changed")
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "gatehouse.key")
	if code, _, e := runCmd(t, "", "keygen", "-o", key); code != 0 {
		t.Fatal(e)
	}
	users := filepath.Join(dir, "users.yaml")
	os.WriteFile(users, []byte("users:\n  alice:\n    password: \"$2a$04$abcdefghijklmnopqrstuuK0pKk7G2n2nYEAm1aUO5mB8S0bm4v5a\"\n    phone: \"+12015550100\"\n"), 0o600)
	good := fmt.Sprintf(`server:
  public_url: "https://auth.example.com"
users:
  file: %q
identity:
  signing_key_file: %q
routes:
  - name: crm
    host: crm.example.com
    upstream: "http://127.0.0.1:9001"
    policy: two_factor
`, users, key)
	goodPath := filepath.Join(dir, "good.yaml")
	os.WriteFile(goodPath, []byte(good), 0o600)
	if code, out, errOut := runCmd(t, "", "check-config", "-c", goodPath); code != 0 {
		t.Fatalf("good config: exit %d\n%s%s", code, out, errOut)
	}

	bad := `server:
  public_url: "https://auth.example.com"
  listen: ":8080"
sesion:
  idle_timeout: 5m
otp:
  length: 4
routes:
  - name: crm
    host: crm.example.com
    upstream: "http://127.0.0.1:9001"
    policy: sometimes
`
	badPath := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badPath, []byte(bad), 0o600)
	code, out, _ := runCmd(t, "", "check-config", "-c", badPath)
	if code != 1 {
		t.Fatalf("bad config: exit %d, want 1\n%s", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	// Each line is FILE:LINE: message, or FILE: message for what has no
	// line (a default); the unknown key hides none of the others.
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(dir) + `/[a-z.]+(:(\d+))?: `)
	wantLines := map[string]bool{"4": false, "7": false, "12": false}
	for _, l := range lines {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("line %q is not FILE:LINE: message", l)
			continue
		}
		if _, ok := wantLines[m[2]]; ok && strings.HasPrefix(l, badPath) {
			wantLines[m[2]] = true
		}
	}
	for line, seen := range wantLines {
		if !seen {
			t.Errorf("the problem on line %s not reported:\n%s", line, out)
		}
	}
	t.Setenv("GATEHOUSE_CONFIG", goodPath)
	if code, _, _ := runCmd(t, "", "check-config"); code != 0 {
		t.Fatal("$GATEHOUSE_CONFIG not used")
	}

	// The portal's files are loaded as at startup: a translation with a
	// mistyped id, a logo that is not there.
	messages := filepath.Join(dir, "fr.yaml")
	os.WriteFile(messages, []byte("lang: fr\nlogin.titel: Connexion\n"), 0o600)
	portalPath := filepath.Join(dir, "portal.yaml")
	os.WriteFile(portalPath, []byte(good+fmt.Sprintf("portal:\n  messages_file: %q\n  logo_file: %q\n", messages, filepath.Join(dir, "logo.svg"))), 0o600)
	code, out, _ = runCmd(t, "", "check-config", "-c", portalPath)
	for _, want := range []string{portalPath + ":13: portal.messages_file: " + messages + `:2: unknown message id "login.titel"`, portalPath + ":14: portal.logo_file: "} {
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("portal files: exit %d, output lacks %q:\n%s", code, want, out)
		}
	}
}

// TestExampleConfigPassesCheckConfig runs `check-config` on the root
// example as a new user would, following README "Running it for real":
// in a folder without the key and users file it fails, as serve would,
// saying how to create each; with `keygen` run and users.example.yaml
// copied and given a hash from `hash-password`, it passes; a file that
// exists but is unusable is a failure.
func TestExampleConfigPassesCheckConfig(t *testing.T) {
	dir := t.TempDir()
	example := filepath.Join(dir, "gateway.yaml")
	data, err := os.ReadFile("../../gateway.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(example, data, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, "", "check-config", "-c", example)
	for _, want := range []string{"identity.signing_key_file", "gatehouse keygen", "users.file", "users.example.yaml"} {
		if code != 1 || !strings.Contains(out, want) {
			t.Fatalf("check-config without key and users file: exit %d, want 1 naming %q\n%s%s", code, want, out, errOut)
		}
	}
	// The README's steps, relative to the configuration's folder.
	if code, _, e := runCmd(t, "", "keygen", "-o", filepath.Join(dir, "gatehouse.key")); code != 0 {
		t.Fatalf("keygen: %s", e)
	}
	code, hash, e := runCmd(t, "a long enough password\n", "hash-password")
	if code != 0 {
		t.Fatalf("hash-password: %s", e)
	}
	users, err := os.ReadFile("../../users.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	filled := strings.Replace(string(users), "REPLACE-ME-with-the-output-of-gatehouse-hash-password", strings.TrimSpace(hash), 1)
	if err := os.WriteFile(filepath.Join(dir, "users.yaml"), []byte(filled), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut = runCmd(t, "", "check-config", "-c", example); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("check-config after the README's steps: exit %d\n%s%s", code, out, errOut)
	}
	dir = t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	notKey := filepath.Join(dir, "not-a-key")
	os.WriteFile(notKey, []byte("hello"), 0o600)
	os.WriteFile(bad, []byte("identity:\n  signing_key_file: "+notKey+"\n"), 0o600)
	if code, out, _ := runCmd(t, "", "check-config", "-c", bad); code != 1 || !strings.Contains(out, "bad.yaml:2: identity.signing_key_file") {
		t.Fatalf("an unusable key file: exit %d\n%s", code, out)
	}
}

func TestExampleConfigPasses(t *testing.T) {
	// The root gateway.yaml is the documented example: it must validate.
	cfg, err := loadConfig("../../gateway.yaml")
	if err != nil {
		t.Fatalf("gateway.yaml does not validate:\n%v", err)
	}
	if len(cfg.Routes) == 0 {
		t.Fatal("example has no routes")
	}
}

// syncBuffer is a goroutine-safe output capture.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor returns the output once it contains sub, or what there is after
// timeout: serve's log sink writes in batches, so a line can land just
// after the response that caused it.
func (s *syncBuffer) waitFor(sub string, timeout time.Duration) string {
	deadline := time.Now().Add(timeout)
	for {
		out := s.String()
		if strings.Contains(out, sub) || time.Now().After(deadline) {
			return out
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDemo runs the README's first command and logs in as a new user would:
// password, code read from the terminal, then the demo app, which must
// report a verified assertion.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan int, 1)
	// Port 0: the demo picks a free port and prints its address (no race
	// with another process for a port chosen in advance).
	go func() {
		done <- run(ctx, []string{"demo", "-listen", "127.0.0.1:0"}, strings.NewReader(""), out, io.Discard)
	}()
	defer func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("demo exited %d after interrupt", code)
			}
		case <-time.After(30 * time.Second):
			t.Error("demo did not stop")
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "Press Ctrl-C") {
		if time.Now().After(deadline) {
			t.Fatalf("demo did not start:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	m := regexp.MustCompile(`Open\s+(http://127\.0\.0\.1:[0-9]+)/`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("the demo's address is not printed:\n%s", out.String())
	}
	base := m[1]
	if !strings.Contains(out.String(), "alice / "+demoPassword) {
		t.Fatalf("credentials not printed:\n%s", out.String())
	}
	jar, _ := cookiejar.New(nil)
	// Long enough for a first password hash under -race on a loaded
	// 2-core machine (it once took over 10 s there).
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}

	post := func(path, body string) map[string]any {
		t.Helper()
		resp, err := client.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		if resp.StatusCode != 200 {
			t.Fatalf("POST %s: %d %v", path, resp.StatusCode, m)
		}
		return m
	}
	if m := post("/_gatehouse/api/login", `{"username":"alice","password":"`+demoPassword+`"}`); m["status"] != "otp_required" {
		t.Fatalf("login: %v", m)
	}
	code := ""
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		if m := regexp.MustCompile(`^SMS to \+12015550100: .* code is (\d{6})`).FindStringSubmatch(sc.Text()); m != nil {
			code = m[1]
		}
	}
	if code == "" {
		t.Fatalf("no code on the terminal:\n%s", out.String())
	}
	if m := post("/_gatehouse/api/otp", `{"code":"`+code+`"}`); m["status"] != "authenticated" {
		t.Fatalf("otp: %v", m)
	}
	// Sign-up works in the demo too: a new person, a code on the terminal.
	jar2, _ := cookiejar.New(nil)
	newcomer := &http.Client{Jar: jar2, Timeout: 30 * time.Second}
	resp, err := newcomer.Post(base+"/_gatehouse/api/signup", "application/json",
		strings.NewReader(`{"username":"zoe","email":"zoe@example.com","password":"zoe has a long passphrase","phone":"+1 201 555 0199","name":"Zoe"}`))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("demo sign-up: %v %v", resp.Status, err)
	}
	resp.Body.Close()
	var zcode string
	for _, line := range strings.Split(out.String(), "\n") {
		if m := regexp.MustCompile(`^SMS to \+12015550199: .* code is (\d{6})`).FindStringSubmatch(line); m != nil {
			zcode = m[1]
		}
	}
	resp, err = newcomer.Post(base+"/_gatehouse/api/otp", "application/json", strings.NewReader(`{"code":"`+zcode+`"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("demo sign-up code %q: %v %v", zcode, resp.Status, err)
	}
	resp.Body.Close()

	resp, err = client.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Hello, alice") || !strings.Contains(string(page), "✔ The X-Auth-Assertion verified") {
		t.Fatalf("demo app page (%d):\n%s", resp.StatusCode, page)
	}
}
