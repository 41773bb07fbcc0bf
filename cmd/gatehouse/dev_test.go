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

// devConfig writes a key, an empty users file and a production-like
// configuration (https public_url, secure cookies) listening on listen,
// and returns its path.
func devConfig(t *testing.T, listen, admin string) string {
	t.Helper()
	dir := t.TempDir()
	if code, _, e := runCmd(t, "", "keygen", "-o", filepath.Join(dir, "gatehouse.key")); code != 0 {
		t.Fatal(e)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.yaml"), []byte("users: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "gateway.yaml")
	cfg := fmt.Sprintf(`server:
  listen: %q
  public_url: "https://auth.example.com"
  admin_listen: %q
session:
  secure: true
users:
  file: users.yaml
identity:
  signing_key_file: gatehouse.key
`, listen, admin)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestServeDevRefuses: --dev fails closed, before listening, on every
// address another machine could reach, and -listen needs --dev.
func TestServeDevRefuses(t *testing.T) {
	port := strings.TrimPrefix(freeAddr(t), "127.0.0.1:")
	for _, tc := range []struct {
		name, listen, admin string
		args                []string
		code                int
		want                string
	}{
		{"every interface", ":" + port, "", []string{"--dev"}, 1, `gateway.yaml:2: server.listen: --dev serves this machine only: ":` + port + `"`},
		{"bad -listen", "127.0.0.1:" + port, "", []string{"--dev", "-listen", "0.0.0.0:" + port}, 1, "-listen: --dev serves this machine only"},
		{"-listen on every interface", "127.0.0.1:" + port, "", []string{"--dev", "-listen", ":" + port}, 1, "-listen: --dev serves this machine only"},
		{"admin on every interface", "127.0.0.1:" + port, ":0", []string{"--dev"}, 1, "gateway.yaml:4: server.admin_listen: --dev serves this machine only"},
		{"-listen without --dev", "127.0.0.1:" + port, "", []string{"-listen", "127.0.0.1:" + port}, 2, "-listen goes with --dev only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := devConfig(t, tc.listen, tc.admin)
			for _, cmd := range []string{"serve", "check-config"} {
				code, out, errOut := runCmd(t, "", append([]string{cmd, "-c", cfg}, tc.args...)...)
				if code != tc.code || !strings.Contains(out+errOut, tc.want) {
					t.Errorf("%s %v: exit %d, want %d and %q:\n%s%s", cmd, tc.args, code, tc.code, tc.want, out, errOut)
				}
				// The file's public_url is right: only the address is
				// refused, not a public_url made of it.
				if strings.Contains(out+errOut, "public_url") {
					t.Errorf("%s %v: a problem with public_url, which the file has right:\n%s%s", cmd, tc.args, out, errOut)
				}
			}
			if resp, err := http.Get("http://127.0.0.1:" + port + "/"); err == nil {
				resp.Body.Close()
				t.Errorf("something listens on %s after a refused start", port)
			}
		})
	}
}

// TestServeDev: with a production configuration (https public_url,
// session.secure: true), serve --dev -listen 127.0.0.1:PORT says loudly
// that it is a development mode and serves the portal over plain http
// with cookies a browser keeps there; check-config --dev agrees.
func TestServeDev(t *testing.T) {
	addr := freeAddr(t)
	cfg := devConfig(t, ":8080", "")
	if code, out, errOut := runCmd(t, "", "check-config", "-c", cfg, "--dev", "-listen", addr); code != 0 || !strings.Contains(out, "--dev: http://"+addr) {
		t.Fatalf("check-config --dev: exit %d\n%s%s", code, out, errOut)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	stderr := &syncBuffer{}
	go func() {
		done <- run(ctx, []string{"serve", "--dev", "-listen", addr, "-c", cfg}, strings.NewReader(""), io.Discard, stderr)
	}()
	defer func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d\n%s", code, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	var resp *http.Response
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		if resp, err = http.Get("http://" + addr + "/_gatehouse/login"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve --dev did not start: %v\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp.Body.Close()
	out := stderr.String()
	for _, want := range []string{"DEVELOPMENT MODE (--dev): NOT FOR PRODUCTION", `"level":"WARN","msg":"DEVELOPMENT MODE`, "http://" + addr} {
		if !strings.Contains(out, want) {
			t.Errorf("start output lacks %q:\n%s", want, out)
		}
	}
	plainCookies(t, resp)
	// A reload (the file changed) runs in development mode too.
	data, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, append(data, "# changed\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := stderr.waitFor(`"msg":"configuration reloaded"`, 10*time.Second); !strings.Contains(out, `"msg":"configuration reloaded"`) {
		t.Fatalf("no reload:\n%s", out)
	}
	resp, err := http.Get("http://" + addr + "/_gatehouse/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	plainCookies(t, resp)
}

// plainCookies fails unless resp is 200 with cookies a browser keeps over
// plain http: not Secure, no __Host- or __Secure- name.
func plainCookies(t *testing.T, resp *http.Response) {
	t.Helper()
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) == 0 {
		t.Fatalf("login page: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	for _, c := range resp.Cookies() {
		if c.Secure || strings.HasPrefix(c.Name, "__") {
			t.Errorf("cookie %s is Secure or prefixed: plain http would drop it", c.Name)
		}
	}
}
