package main

import (
	"context"
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
