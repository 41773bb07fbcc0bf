package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startServe writes a signing key, an empty users file and the
// configuration yaml(addr, usersFile, keyFile) returns, runs `serve` on
// it until the test ends, and waits until it answers on addr.
func startServe(t *testing.T, yaml func(addr, users, key string) string) (addr string, stderr *syncBuffer) {
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
	addr = freeAddr(t)
	cfg := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(cfg, []byte(yaml(addr, users, key)), 0o600); err != nil {
		t.Fatal(err)
	}
	return addr, runServe(t, cfg, addr)
}

// runServe runs `serve -c cfg` until the test ends and waits until it
// answers on addr.
func runServe(t *testing.T, cfg, addr string) (stderr *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	stderr = &syncBuffer{}
	go func() { done <- run(ctx, []string{"serve", "-c", cfg}, strings.NewReader(""), io.Discard, stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d\n%s", code, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/_gatehouse/jwks.json")
		if err == nil {
			resp.Body.Close()
			return stderr
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %v\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startServeOnRedis is startServe with the Redis store: redis is the
// value of store.redis (a YAML flow mapping, as `{ addrs: ["host:port"] }`)
// and admin the admin listener ("" for none).
func startServeOnRedis(t *testing.T, admin, redis string) (addr string, stderr *syncBuffer) {
	t.Helper()
	return startServe(t, func(addr, users, key string) string {
		return fmt.Sprintf(`server:
  listen: %q
  public_url: "http://127.0.0.1"
  admin_listen: %q
session:
  secure: false
store:
  driver: redis
  redis: %s
users:
  file: %q
identity:
  signing_key_file: %q
`, addr, admin, redis, users, key)
	})
}

// wantServedClosed asserts that the gateway on addr (its admin listener
// on admin) fails closed: /readyz and a sign-in both answer 503.
func wantServedClosed(t *testing.T, addr, admin string) {
	t.Helper()
	resp, err := http.Get("http://" + admin + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz = %d, want 503", resp.StatusCode)
	}
	resp, err = http.Post("http://"+addr+"/_gatehouse/api/login", "application/json",
		strings.NewReader(`{"username":"alice","password":"a long enough passphrase"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("login = %d, want 503", resp.StatusCode)
	}
}
