package main

// The world of the SMS tests: `gatehouse serve` started from a
// configuration with a given sms section, its browser-less client, and
// checks on its errors, metrics and logs.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

const (
	smsAlicePhone = "+12015550100"
	smsBobPhone   = "+12015550111" // a landline, as far as the fakes know
	smsPassword   = "correct horse battery"
)

// smsWorld is one running gateway with its upstream.
type smsWorld struct {
	base, admin string
	stderr      *syncBuffer
	stop        func() // shuts the gateway down, and returns once serve did
}

// startSMSGateway writes a configuration with the sms section smsYAML (and
// otpYAML under otp:), starts `gatehouse serve` on it and waits until it
// answers.
func startSMSGateway(t *testing.T, smsYAML, otpYAML string) *smsWorld {
	t.Helper()
	dir := t.TempDir()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.Header.Get("X-Auth-User"))
	}))
	t.Cleanup(up.Close)

	h := auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 2, time.Minute)
	hash, err := h.Hash(context.Background(), smsPassword)
	if err != nil {
		t.Fatal(err)
	}
	users := fmt.Sprintf("users:\n  alice:\n    phone: %q\n    password: %q\n  bob:\n    phone: %q\n    password: %q\n", smsAlicePhone, hash, smsBobPhone, hash)
	smsMust(t, os.WriteFile(filepath.Join(dir, "users.yaml"), []byte(users), 0o600))
	key := filepath.Join(dir, "gatehouse.key")
	if code, _, e := runCmd(t, "", "keygen", "-o", key); code != 0 {
		t.Fatal(e)
	}
	listen, admin := freeAddr(t), freeAddr(t)
	cfg := fmt.Sprintf(`server:
  listen: %q
  admin_listen: %q
  public_url: "http://%s"
session:
  secure: false
users:
  file: %q
  passwordless: true # the tests start code-only sign-ins too
hashing:
  argon2id: { memory_kib: 1024, iterations: 1, parallelism: 1 }
otp:
%s
sms:
%s
identity:
  signing_key_file: %q
routes:
  - name: app
    host: "127.0.0.1"
    upstream: %q
    policy: two_factor
  - name: crm
    host: "crm.example.com"
    upstream: %q
    policy: two_factor
  - name: apps
    host: "*.apps.example.com"
    upstream: %q
    policy: two_factor
`, listen, admin, listen, filepath.Join(dir, "users.yaml"), smsIndent(otpYAML), smsIndent(smsYAML), key, up.URL, up.URL, up.URL)
	path := filepath.Join(dir, "gateway.yaml")
	smsMust(t, os.WriteFile(path, []byte(cfg), 0o600))
	if code, out, e := runCmd(t, "", "check-config", "-c", path); code != 0 {
		t.Fatalf("check-config: %s%s\n%s", out, e, cfg)
	}

	ctx, cancel := context.WithCancel(context.Background())
	w := &smsWorld{base: "http://" + listen, admin: "http://" + admin, stderr: &syncBuffer{}}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve", "-c", path}, strings.NewReader(""), io.Discard, w.stderr) }()
	w.stop = sync.OnceFunc(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("gatehouse serve did not stop")
		}
	})
	t.Cleanup(w.stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(w.admin + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return w
			}
		}
		select {
		case code := <-done:
			t.Fatalf("gatehouse serve exited %d:\n%s", code, w.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("gatehouse serve did not get ready:\n%s", w.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func smsIndent(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "  length: 6"
	}
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

func smsMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// smsClient is one browser-less client of the gateway.
type smsClient struct {
	t  *testing.T
	w  *smsWorld
	hc *http.Client
}

func (w *smsWorld) client(t *testing.T) *smsClient {
	jar, _ := cookiejar.New(nil)
	return &smsClient{t: t, w: w, hc: &http.Client{Jar: jar, Timeout: 20 * time.Second}}
}

// api posts v to /_gatehouse/api/<endpoint> and returns the status and
// the decoded body.
func (c *smsClient) api(endpoint string, v any) (int, map[string]any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	resp, err := c.hc.Post(c.w.base+"/_gatehouse/api/"+endpoint, "application/json", bytes.NewReader(b))
	if err != nil {
		c.t.Fatalf("POST %s: %v", endpoint, err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func (c *smsClient) login(user string) (int, map[string]any) {
	c.t.Helper()
	return c.api("login", map[string]string{"username": user, "password": smsPassword})
}

// smsWantError checks a contract error: status and code.
func smsWantError(t *testing.T, status int, body map[string]any, wantStatus int, wantCode string) {
	t.Helper()
	e, _ := body["error"].(map[string]any)
	if status != wantStatus || e["code"] != wantCode {
		t.Fatalf("got %d %v, want %d %s", status, body, wantStatus, wantCode)
	}
}

func (c *smsClient) app() (int, string) {
	c.t.Helper()
	resp, err := c.hc.Get(c.w.base + "/")
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metric returns the metrics page of the admin listener.
func (w *smsWorld) metrics(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(w.admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

var messageCode = regexp.MustCompile(`code is (\d{6})\.`)

// smsGrep returns the lines of s that contain sub.
func smsGrep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
