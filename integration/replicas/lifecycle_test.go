package replicas

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// slowRoute is a bypass route to the app's slow endpoint.
func slowRoute(w *world) string {
	return fmt.Sprintf(`  - name: slow
    host: "*"
    path_prefix: /slow
    upstream: %q
    policy: bypass
`, w.app.srv.URL)
}

// inflight starts n slow requests (the app waits ms) and returns a channel
// with each one's status, or 0 for a transport error.
func inflight(p *proc, n, ms int) <-chan int {
	out := make(chan int, n)
	for i := range n {
		go func() {
			c := &http.Client{Timeout: 20 * time.Second}
			resp, err := c.Get(fmt.Sprintf("%s/slow/%d?ms=%d", p.base, i, ms))
			if err != nil {
				out <- 0
				return
			}
			resp.Body.Close()
			out <- resp.StatusCode
		}()
	}
	return out
}

// TestGracefulShutdown: on SIGTERM (or SIGINT) the gateway stops accepting
// connections, turns /readyz to 503, lets requests in flight finish within
// server.timeouts.shutdown, and exits 0; requests still running when that
// budget ends are cut off and the exit is still clean.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	addr := testredis.Start(t)

	t.Run("in-flight requests finish", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, redisConfig{addrs: []string{addr}})
		w.shutdown = 5 * time.Second
		w.extraRoutes = slowRoute(w)
		p := w.start(t, "a")
		results := inflight(p, 3, 2500)
		time.Sleep(300 * time.Millisecond) // the requests reach the app
		sent := time.Now()
		p.signal(syscall.SIGTERM)

		// The process takes the signal when the scheduler lets it: on a
		// loaded machine that is not within a fixed 100 ms. Ask until it
		// drains, while the requests (2.5 s) are still in flight.
		var code int
		var body string
		for deadline := time.Now().Add(1500 * time.Millisecond); ; time.Sleep(20 * time.Millisecond) {
			if code, body = p.adminGet(t, "/readyz"); code == http.StatusServiceUnavailable || time.Now().After(deadline) {
				break
			}
		}
		if code != http.StatusServiceUnavailable {
			t.Errorf("/readyz 1.5s into draining = %d %q, want 503", code, body)
		}
		if conn, err := net.DialTimeout("tcp", p.listen, time.Second); err == nil {
			conn.Close()
			t.Error("the main listener still accepts connections while draining")
		}
		for range 3 {
			if code := <-results; code != http.StatusOK {
				t.Errorf("an in-flight request got %d, want 200", code)
			}
		}
		code, exited := p.waitExit(5 * time.Second)
		if !exited {
			t.Fatal("no exit after the requests finished")
		}
		if code != 0 {
			t.Errorf("exit code %d, want 0\n%s", code, p.logText())
		}
		if took := time.Since(sent); took > 4*time.Second {
			t.Errorf("exit %v after SIGTERM, with requests lasting 2.5s and a 5s grace period", took)
		}
		p.waitLog(t, "requests in flight finished", time.Second)
	})

	t.Run("the grace period bounds the wait", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, redisConfig{addrs: []string{addr}})
		w.shutdown = time.Second
		w.extraRoutes = slowRoute(w)
		p := w.start(t, "a")
		results := inflight(p, 2, 10_000)
		time.Sleep(300 * time.Millisecond)
		sent := time.Now()
		p.signal(syscall.SIGINT)
		code, exited := p.waitExit(5 * time.Second)
		if !exited {
			t.Fatal("no exit within 5s of SIGINT with a 1s grace period")
		}
		if took := time.Since(sent); took > 2500*time.Millisecond {
			t.Errorf("exit %v after SIGINT with a 1s grace period", took)
		}
		if code != 0 {
			t.Errorf("exit code %d, want 0\n%s", code, p.logText())
		}
		for range 2 {
			if code := <-results; code == http.StatusOK {
				t.Error("a 10s request completed though the grace period was 1s")
			}
		}
		p.waitLog(t, "shutdown grace expired; closing the connections still open", time.Second)
	})
}

// TestReload changes the configuration of a running gateway: by SIGHUP
// and by editing the file. Good changes apply to routes, policies and
// users without dropping connections or requests in flight; a bad one is
// rejected with a log line and the running configuration keeps serving.
func TestReload(t *testing.T) {
	t.Parallel()
	w := newWorld(t, redisConfig{addrs: []string{testredis.Start(t)}})
	w.extraRoutes = slowRoute(w)
	p := w.start(t, "a")

	// One keep-alive connection, reused across the reloads.
	var reused sync.Map
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
	get := func(path string) int {
		t.Helper()
		trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused.Store(path, i.Reused) }}
		req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodGet, p.base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body) // so the connection is reused
		resp.Body.Close()
		return resp.StatusCode
	}
	wasReused := func(path string) bool { v, _ := reused.Load(path); return v == true }

	if code := get("/public/a"); code != http.StatusOK {
		t.Fatalf("/public before the reload: %d", code)
	}
	if code := get("/extra/a"); code != http.StatusUnauthorized {
		t.Fatalf("/extra before the reload: %d, want 401 (the app route)", code)
	}

	// SIGHUP with a good configuration: /public is now denied, /extra is
	// a new bypass route, frank is a new user; a slow request in flight
	// finishes.
	w.extraRoutes = slowRoute(w) + fmt.Sprintf(`  - name: extra
    host: "*"
    path_prefix: /extra
    upstream: %q
    policy: bypass
`, w.app.srv.URL)
	cfgText := strings.Replace(w.config(p.listen, p.adminAt), "    path_prefix: /public\n    upstream: "+fmt.Sprintf("%q", w.app.srv.URL)+"\n    policy: bypass", "    path_prefix: /public\n    policy: deny", 1)
	if err := os.WriteFile(p.cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	frank := user{"frank", "frank-new-hire", "+12015550105"}
	addUser(t, w, frank)
	slow := inflight(p, 1, 1000)
	time.Sleep(200 * time.Millisecond)
	p.signal(syscall.SIGHUP)
	p.waitLog(t, "configuration reloaded", 5*time.Second)
	if code := get("/public/b"); code != http.StatusForbidden {
		t.Errorf("/public after the reload: %d, want 403 (policy deny)", code)
	}
	if code := get("/extra/b"); code != http.StatusOK {
		t.Errorf("/extra after the reload: %d, want 200 (new bypass route)", code)
	}
	if v := p.metric(t, `gatehouse_requests_total{decision="bypass",route="extra"}`); v != 1 {
		t.Errorf("requests counted for the new route: %v, want 1", v)
	}
	if !wasReused("/extra/a") || !wasReused("/public/b") || !wasReused("/extra/b") {
		t.Error("the reload dropped the client's keep-alive connection")
	}
	if code := <-slow; code != http.StatusOK {
		t.Errorf("a request in flight during the reload got %d", code)
	}
	fc := newClient(t, "192.0.2.50")
	fc.signIn(w, p, p, frank)
	want(t, "new user after the reload", fc.get(p, "/reports"), http.StatusOK, "")

	// SIGHUP with a broken configuration: rejected, the previous one keeps
	// serving.
	p.writeConfig(t, w, "sesion:\n  idle_timeout: 5m\n")
	p.signal(syscall.SIGHUP)
	rejected := p.waitLog(t, "configuration reload rejected; the previous configuration keeps serving", 5*time.Second)
	if probs, _ := rejected["problems"].([]any); len(probs) == 0 || !strings.Contains(fmt.Sprint(probs), "sesion") {
		t.Errorf("rejection does not name the problem: %v", rejected)
	}
	if code := get("/extra/c"); code != http.StatusOK {
		t.Errorf("/extra after a rejected reload: %d, want 200 (old configuration)", code)
	}
	if v := p.metric(t, "gatehouse_config_last_reload_successful"); v != 0 {
		t.Errorf("gatehouse_config_last_reload_successful = %v after a rejected reload, want 0", v)
	}

	// Editing the file is enough: a good file is picked up within seconds.
	// A changed listen address needs a restart: it is reported and kept.
	w.extraRoutes = ""
	cfgText = strings.Replace(w.config(p.listen, p.adminAt), fmt.Sprintf("listen: %q", p.listen), `listen: "127.0.0.1:1"`, 1)
	if err := os.WriteFile(p.cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(8 * time.Second)
	for p.countLogs(t, "configuration reloaded") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the edited file was not reloaded:\n%s", p.logText())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code := get("/extra/d"); code != http.StatusUnauthorized {
		t.Errorf("/extra after the file change: %d, want 401 (route removed, the app route matches)", code)
	}
	if code := get("/public/d"); code != http.StatusOK {
		t.Errorf("/public after the file change: %d, want 200 (bypass again)", code)
	}
	if v := p.metric(t, `gatehouse_requests_total{decision="bypass",route="extra"}`); v != 0 {
		t.Errorf("the removed route's series is still exported (%v)", v)
	}
	warn := p.waitLog(t, "configuration changes that need a restart are not applied", time.Second)
	if !strings.Contains(fmt.Sprint(warn["keys"]), "server.listen") {
		t.Errorf("restart-only warning does not name server.listen: %v", warn)
	}
	if v := p.metric(t, `gatehouse_config_reloads_total{result="success"}`); v != 2 {
		t.Errorf("successful reloads = %v, want 2", v)
	}
	if v := p.metric(t, "gatehouse_config_last_reload_successful"); v != 1 {
		t.Errorf("gatehouse_config_last_reload_successful = %v, want 1", v)
	}
}

// addUser appends u to the users file.
func addUser(t *testing.T, w *world, u user) {
	t.Helper()
	h := usersHasher()
	hash, err := h.Hash(context.Background(), u.password)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(w.users, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "  %s:\n    phone: %q\n    password: %q\n", u.name, u.phone, hash); err != nil {
		t.Fatal(err)
	}
}
