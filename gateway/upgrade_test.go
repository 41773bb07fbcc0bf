package gateway_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

const wsHost = "ws.example.com" // bypass, to the switching upstream

// lockedBuffer is a log destination tests read while the server writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor returns the buffer once it contains sub, or what there is after
// timeout.
func (l *lockedBuffer) waitFor(sub string, timeout time.Duration) string {
	deadline := time.Now().Add(timeout)
	for {
		out := l.String()
		if strings.Contains(out, sub) || time.Now().After(deadline) {
			return out
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// switchingUpstream is an application that records the headers of every
// request and, for "Upgrade: websocket", takes the connection over as a
// WebSocket server would: 101, then it echoes what it reads.
type switchingUpstream struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []http.Header
}

func newSwitchingUpstream(t *testing.T) *switchingUpstream {
	t.Helper()
	u := &switchingUpstream{}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.seen = append(u.seen, r.Header.Clone())
		u.mu.Unlock()
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			fmt.Fprint(w, "no switch")
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("upstream hijack: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		buf := make([]byte, 64)
		for {
			n, err := brw.Read(buf)
			if n > 0 {
				conn.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(u.srv.Close)
	return u
}

// count is how many requests the upstream got.
func (u *switchingUpstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.seen)
}

func (u *switchingUpstream) last(t *testing.T) http.Header {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.seen) == 0 {
		t.Fatal("the upstream got no request")
	}
	return u.seen[len(u.seen)-1]
}

// withSwitchingRoute adds the ws route (bypass) to up.
func withSwitchingRoute(up *switchingUpstream) func(*config.Config, string) {
	return func(cfg *config.Config, _ string) {
		cfg.Routes = append(cfg.Routes, config.Route{Name: "ws", Host: wsHost, PathPrefix: "/", Upstream: up.srv.URL, Policy: "bypass"})
	}
}

// TestProxyUpgradeOnlyWebSocket checks that an upgrade to anything but
// WebSocket (h2c above all: later HTTP/2 frames would reach the upstream
// without the gateway's checks) never reaches an upstream, nor does
// HTTP2-Settings, while a WebSocket switches and is logged as 101.
func TestProxyUpgradeOnlyWebSocket(t *testing.T) {
	t.Parallel()
	up := newSwitchingUpstream(t)
	h := newHarness(t, setup{edit: withSwitchingRoute(up)})
	c := h.newClient(t)

	for _, tc := range []struct {
		name   string
		header http.Header
	}{
		{"h2c", http.Header{"Connection": {"Upgrade, HTTP2-Settings"}, "Upgrade": {"h2c"}, "Http2-Settings": {"AAMAAABkAAQCAAAAAAIAAAAA"}}},
		{"h2c listed with websocket", http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket, h2c"}}},
		{"HTTP2-Settings not listed in Connection", http.Header{"Http2-Settings": {"AAMAAABkAAQCAAAAAAIAAAAA"}}},
		{"other protocol", http.Header{"Connection": {"upgrade"}, "Upgrade": {"TLS/1.2"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(request{host: wsHost, path: "/stream", header: tc.header})
			r.wantStatus(t, http.StatusOK)
			got := up.last(t)
			for _, name := range []string{"Upgrade", "Http2-Settings", "Connection"} {
				if v, ok := got[name]; ok {
					t.Errorf("the upstream got %s: %q", name, v)
				}
			}
		})
	}
}

// TestProxyWebSocket switches a connection to WebSocket through the
// gateway (the upstream hijacks and echoes) and checks the access log
// records the 101, not the router's default status.
func TestProxyWebSocket(t *testing.T) {
	t.Parallel()
	up := newSwitchingUpstream(t)
	logs := &lockedBuffer{}
	h := newHarness(t, setup{edit: withSwitchingRoute(up), logger: slog.New(slog.NewJSONHandler(logs, nil))})

	conn, err := net.Dial("tcp", h.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET /chat HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", wsHost)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") {
		t.Fatalf("handshake answered %s, Upgrade %q", resp.Status, resp.Header.Get("Upgrade"))
	}
	if got := up.last(t); got.Get("Sec-Websocket-Key") == "" || !strings.EqualFold(got.Get("Upgrade"), "websocket") {
		t.Fatalf("the upstream got %v", got)
	}
	fmt.Fprint(conn, "ping")
	echo := make([]byte, 4)
	if _, err := io.ReadFull(br, echo); err != nil || string(echo) != "ping" {
		t.Fatalf("echo %q, %v", echo, err)
	}
	conn.Close()

	out := logs.waitFor(`"path":"/chat"`, 5*time.Second)
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, `"msg":"request"`) && strings.Contains(l, `"path":"/chat"`) {
			line = l
		}
	}
	if !strings.Contains(line, `"status":101`) {
		t.Fatalf("access log line of the WebSocket: %q (all logs:\n%s)", line, out)
	}
}
