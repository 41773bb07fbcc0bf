package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// reloadWorld is a configuration file for serve, with its users and key.
type reloadWorld struct {
	dir, path, users, key, upstream string
	// derive is identity.derivation_key_file ("": none).
	derive string
}

func newReloadWorld(t *testing.T) *reloadWorld {
	t.Helper()
	return newReloadWorldTo(t, http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) { io.WriteString(rw, "app") }))
}

// newReloadWorldTo is newReloadWorld with app as the upstream.
func newReloadWorldTo(t *testing.T, app http.Handler) *reloadWorld {
	t.Helper()
	dir := t.TempDir()
	w := &reloadWorld{dir: dir, path: filepath.Join(dir, "gateway.yaml"), users: filepath.Join(dir, "users.yaml"), key: filepath.Join(dir, "k.pem")}
	if err := auth.WriteKeyFile(w.key); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.users, []byte("users: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	up := &http.Server{Handler: app}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go up.Serve(ln)
	t.Cleanup(func() { up.Close() })
	w.upstream = "http://" + ln.Addr().String()
	return w
}

// write writes a configuration whose only route is a bypass route at
// prefix, with extra appended.
func (w *reloadWorld) write(t *testing.T, prefix, extra string) {
	t.Helper()
	deriveLine := ""
	if w.derive != "" {
		deriveLine = fmt.Sprintf("  derivation_key_file: %q\n", w.derive)
	}
	text := fmt.Sprintf(`server:
  listen: "127.0.0.1:0"
  admin_listen: ""
  public_url: "http://gatehouse.test"
session:
  secure: false
users:
  file: %q
identity:
  signing_key_file: %q
%sroutes:
  - name: r
    host: "*"
    path_prefix: %q
    upstream: %q
    policy: bypass
%s`, w.users, w.key, deriveLine, prefix, w.upstream, extra)
	if err := os.WriteFile(w.path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// servedWorld is w's configuration served in process: status gets a
// path's status, reload sends SIGHUP and waits for the log line msg,
// logs is what serve logged and a the app. serve stops with the test.
type servedWorld struct {
	a      *app
	logs   *syncBuffer
	status func(path string) int
	reload func(msg string)
}

func serveWorld(t *testing.T, w *reloadWorld) *servedWorld {
	t.Helper()
	cfg, err := loadConfig(w.path)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	a, err := build(t.Context(), cfg, slog.New(slog.NewJSONHandler(logs, nil)), overrides{})
	if err != nil {
		t.Fatal(err)
	}
	hup := make(chan os.Signal, 1)
	a.configPath, a.hup = w.path, hup
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.close()
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
	base := "http://" + ln.Addr().String()
	return &servedWorld{a: a, logs: logs,
		status: func(path string) int {
			t.Helper()
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		},
		reload: func(msg string) {
			t.Helper()
			before := strings.Count(logs.String(), msg)
			hup <- syscall.SIGHUP
			for deadline := time.Now().Add(5 * time.Second); strings.Count(logs.String(), msg) == before; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("no %q after SIGHUP:\n%s", msg, logs.String())
				}
			}
		},
	}
}

// TestReloadInProcess drives the reload code under the race detector: a
// good file replaces the routes, a bad one is rejected and the old routes
// keep serving, and a restart-only change is reported and not applied.
func TestReloadInProcess(t *testing.T) {
	w := newReloadWorld(t)
	w.write(t, "/one", "")
	cfg, err := loadConfig(w.path)
	if err != nil {
		t.Fatal(err)
	}
	sw := serveWorld(t, w)
	a, logs, status, reload := sw.a, sw.logs, sw.status, sw.reload
	if status("/one") != http.StatusOK || status("/two") != http.StatusNotFound {
		t.Fatal("initial routes not served")
	}

	w.write(t, "/two", "")
	reload("configuration reloaded")
	if status("/one") != http.StatusNotFound || status("/two") != http.StatusOK {
		t.Error("the reload did not replace the routes")
	}

	w.write(t, "/three", "bogus: true\n")
	reload("configuration reload rejected")
	if status("/two") != http.StatusOK || status("/three") != http.StatusNotFound {
		t.Error("a rejected reload changed the routes")
	}

	w.write(t, "/four", "store:\n  key_prefix: \"other:\"\n")
	reload("configuration reloaded")
	if !strings.Contains(logs.String(), "configuration changes that need a restart are not applied") {
		t.Errorf("no restart-only warning:\n%s", logs.String())
	}
	if status("/four") != http.StatusOK {
		t.Error("the reload with a restart-only change did not apply the rest")
	}
	if got := a.current.Load().cfg.Store.KeyPrefix; got != cfg.Store.KeyPrefix {
		t.Errorf("store.key_prefix changed by a reload to %q", got)
	}
	if !bytes.Contains([]byte(logs.String()), []byte(`"keys":"store"`)) {
		t.Errorf("the restart-only warning does not name store:\n%s", logs.String())
	}
}

// TestReloadKeepsTheAuditCaps: the kept trail is built once, with
// audit.retain (app.audit); a reload that changes the caps says they
// need a restart rather than seeming to apply them.
func TestReloadKeepsTheAuditCaps(t *testing.T) {
	var logs bytes.Buffer
	run := config.Default()
	a := &app{cfg: run, log: slog.New(slog.NewTextHandler(&logs, nil))}
	next := config.Default()
	next.Audit.Retain.AttemptEvents = 10
	next.Audit.Retain.Events = 20
	got := a.keepRestartOnly(next)
	if got.Audit.Retain != run.Audit.Retain {
		t.Errorf("audit.retain after the reload: %+v, want the running %+v", got.Audit.Retain, run.Audit.Retain)
	}
	if !strings.Contains(logs.String(), "audit.retain") {
		t.Errorf("no restart-only warning naming audit.retain:\n%s", logs.String())
	}
}

// TestMemoryStoreRefusesAReloadToAnotherKey: with the memory store, an
// operator replaces the signing key and reloads, forgetting
// identity.derivation_key_file. Every authenticator app, passkey,
// recovery code set, ban and known device the running gateway keeps was
// derived from the old key: the reload is rejected, saying so and the
// ways on, and the running configuration keeps serving (docs/contract.md,
// "Identity headers"). Before, the reload was taken and all of that was
// silently lost until the next restart.
func TestMemoryStoreRefusesAReloadToAnotherKey(t *testing.T) {
	w := newReloadWorld(t)
	w.write(t, "/one", "")
	sw := serveWorld(t, w)
	logs, status, reload := sw.logs, sw.status, sw.reload
	first := w.key
	w.key = filepath.Join(w.dir, "second.pem")
	if err := auth.WriteKeyFile(w.key); err != nil {
		t.Fatal(err)
	}
	w.write(t, "/two", "")
	reload("configuration reload rejected")
	if status("/one") != http.StatusOK || status("/two") != http.StatusNotFound {
		t.Error("a reload to another derivation key was applied: the memory store's records were left behind")
	}
	for _, want := range []string{"another derivation key", "identity.derivation_key_file", "restart"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the rejection does not say %q:\n%s", want, logs.String())
		}
	}

	// The old key named as the derivation key: the new signing key is
	// taken, and everything kept stays found.
	w.derive = first
	w.write(t, "/three", "")
	reload("configuration reloaded")
	if status("/three") != http.StatusOK {
		t.Error("a reload with the old key as derivation_key_file was not applied")
	}
}
