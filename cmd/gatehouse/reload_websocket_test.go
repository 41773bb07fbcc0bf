package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// wsWorld is a gateway served in process from a configuration file it
// can rewrite and reload (SIGHUP), with bob in users.yaml and a route
// "term" to an upstream that accepts WebSockets and echoes them.
type wsWorld struct {
	*reloadWorld
	base, hash string
	hup        chan os.Signal
	logs       *syncBuffer
}

const wsPassword = "correct horse battery"

func newWSWorld(t *testing.T) *wsWorld {
	t.Helper()
	w := &wsWorld{hup: make(chan os.Signal, 1), logs: &syncBuffer{}}
	w.reloadWorld = newReloadWorldTo(t, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			io.WriteString(rw, "app")
			return
		}
		conn, brw, err := http.NewResponseController(rw).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		io.Copy(conn, brw) // echo until either side closes
	}))
	h := auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 2, time.Minute)
	var err error
	if w.hash, err = h.Hash(context.Background(), wsPassword); err != nil {
		t.Fatal(err)
	}
	w.writeUsers(t, "ops")
	return w
}

// writeUsers writes users.yaml with bob, in groups (comma-separated).
func (w *wsWorld) writeUsers(t *testing.T, groups string) {
	t.Helper()
	text := fmt.Sprintf("users:\n  bob:\n    password: %q\n    groups: [%s]\n", w.hash, groups)
	if err := os.WriteFile(w.users, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// write writes the configuration: route "term" for group ops with
// policy, then extra.
func (w *wsWorld) write(t *testing.T, policy, extra string) {
	t.Helper()
	text := fmt.Sprintf(`server:
  listen: "127.0.0.1:0"
  admin_listen: ""
  public_url: "http://gatehouse.test"
session:
  secure: false
users:
  file: %q
hashing: { worker: false, argon2id: { memory_kib: 1024, iterations: 1, parallelism: 1 } }
identity:
  signing_key_file: %q
routes:
  - name: term
    host: "*"
    path_prefix: "/"
    upstream: %q
    policy: %s
    groups: [ops]
%s`, w.users, w.key, w.upstream, policy, extra)
	if err := os.WriteFile(w.path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// serve builds and serves the gateway from the file until the test ends.
func (w *wsWorld) serve(t *testing.T) {
	t.Helper()
	cfg, err := loadConfig(w.path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := build(t.Context(), cfg, slog.New(slog.NewJSONHandler(w.logs, nil)), overrides{})
	if err != nil {
		t.Fatal(err)
	}
	a.configPath, a.hup = w.path, w.hup
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, ln, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.close()
	})
	w.base = "http://" + ln.Addr().String()
}

// reload sends SIGHUP and waits for the reload's log line.
func (w *wsWorld) reload(t *testing.T) { t.Helper(); w.reloadTo(t, "configuration reloaded") }

// reloadTo sends SIGHUP and waits for the log line msg.
func (w *wsWorld) reloadTo(t *testing.T, msg string) {
	t.Helper()
	before := strings.Count(w.logs.String(), msg)
	w.hup <- syscall.SIGHUP
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(w.logs.String(), msg) == before {
		if time.Now().After(deadline) {
			t.Fatalf("no %q after SIGHUP:\n%s", msg, w.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// signIn signs bob in with his password and returns the session cookie.
func (w *wsWorld) signIn(t *testing.T) *http.Cookie {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, w.base+"/_gatehouse/api/login",
		strings.NewReader(fmt.Sprintf(`{"username":"bob","password":%q}`, wsPassword)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "gatehouse_session" && c.Value != "" {
			return c
		}
	}
	t.Fatalf("login set no session cookie: %v", resp.Cookies())
	return nil
}

// openWebSocket opens a WebSocket through the gateway with cookie, and
// returns a function that sends a few bytes and reads their echo.
func (w *wsWorld) openWebSocket(t *testing.T, cookie *http.Cookie) (echo func() error) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(w.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET /terminal HTTP/1.1\r\nHost: term.test\r\nCookie: %s=%s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", cookie.Name, cookie.Value)
	br := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake answered %s", resp.Status)
	}
	return func() error {
		conn.SetDeadline(time.Now().Add(time.Second))
		if _, err := fmt.Fprint(conn, "ls"); err != nil {
			return err
		}
		b := make([]byte, 2)
		if _, err := io.ReadFull(br, b); err != nil {
			return err
		}
		if string(b) != "ls" {
			return fmt.Errorf("echo %q", b)
		}
		return nil
	}
}

// closedWithin reports whether the WebSocket stops relaying within d.
func closedWithin(echo func() error, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if err := echo(); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return true
		}
		time.Sleep(250 * time.Millisecond)
	}
	return false
}

// TestReloadReachesOpenWebSockets checks docs/contract.md, "WebSocket
// proxying" and "Reload": an open WebSocket is decided on again by the
// configuration serving now, as a new request would be. Before, it was
// decided on forever by the configuration it was opened under: a reload
// that denied or removed its route (an operator shutting a web terminal
// during an incident), or a users.yaml change after any reload (the old
// configuration's users file is no longer read: taking the person out of
// the route's group never closed it), left it relaying. A reload that leaves the route as
// it was keeps it open.
func TestReloadReachesOpenWebSockets(t *testing.T) {
	cases := []struct {
		name   string
		change func(t *testing.T, w *wsWorld)
	}{
		{"route denied", func(t *testing.T, w *wsWorld) {
			w.write(t, "deny", "")
			w.reload(t)
		}},
		{"route removed", func(t *testing.T, w *wsWorld) {
			w.write(t, "password", "")
			text, err := os.ReadFile(w.path)
			if err != nil {
				t.Fatal(err)
			}
			// Only another route, on another host.
			text = []byte(strings.Replace(string(text), `host: "*"`, `host: "other.test"`, 1))
			if err := os.WriteFile(w.path, text, 0o600); err != nil {
				t.Fatal(err)
			}
			w.reload(t)
		}},
		{"group left after an unrelated reload", func(t *testing.T, w *wsWorld) {
			w.write(t, "password", "    timeouts: { dial: 4s }\n")
			w.reload(t)
			w.writeUsers(t, "")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWSWorld(t)
			w.write(t, "password", "")
			w.serve(t)
			echo := w.openWebSocket(t, w.signIn(t))
			if err := echo(); err != nil {
				t.Fatalf("the WebSocket does not relay: %v", err)
			}
			tc.change(t, w)
			if !closedWithin(echo, 12*time.Second) {
				t.Fatal("the WebSocket still relays 12 s after the change: a new request would be refused")
			}
		})
	}

	t.Run("unchanged route", func(t *testing.T) {
		t.Parallel()
		w := newWSWorld(t)
		w.write(t, "password", "")
		w.serve(t)
		echo := w.openWebSocket(t, w.signIn(t))
		w.write(t, "password", "    timeouts: { dial: 4s }\n")
		w.reload(t)
		if closedWithin(echo, 7*time.Second) {
			t.Fatal("a reload that kept the route as it was closed its WebSocket")
		}
	})
}
