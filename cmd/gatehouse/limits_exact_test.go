package main

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// limitsConfig is a serve configuration with short timeouts, so that a
// slow client is cut within the test's patience.
func limitsConfig(addr, users, key string) string {
	return fmt.Sprintf(`server:
  listen: %q
  public_url: "http://127.0.0.1"
  admin_listen: ""
  timeouts: { read_header: 1s, read: 2s, write: 30s, idle: 5s, shutdown: 2s }
session:
  secure: false
users:
  file: %q
identity:
  signing_key_file: %q
`, addr, users, key)
}

// statusLine sends raw on a new connection to addr and returns the first
// line of the answer ("" if the server hung up without one).
func statusLine(t *testing.T, addr, raw string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprint(conn, raw); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line)
}

// TestHeaderLimitIs64KiB holds SECURITY.md's "64 KiB header limit" to its
// number: a header block just under 64 KiB is served, one past it (with
// net/http's 4 KiB of slack) is 431. TestSlowClientsAreCut sends 128 KiB,
// which any limit under that passes.
func TestHeaderLimitIs64KiB(t *testing.T) {
	addr, _ := startServe(t, limitsConfig)
	for _, tt := range []struct {
		size int
		want string
	}{
		{60 << 10, "HTTP/1.1 200 "},
		{70 << 10, "HTTP/1.1 431 "},
	} {
		raw := fmt.Sprintf("GET /_gatehouse/jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: %s\r\nConnection: close\r\n\r\n", strings.Repeat("a", tt.size))
		if got := statusLine(t, addr, raw); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%d KiB of headers: %q, want %q", tt.size>>10, got, tt.want)
		}
	}
}

// TestSlowBodyIsCut holds SECURITY.md's read timeout: a client that sends
// its headers in time and then trickles its body (a byte every 200 ms of
// a 1000-byte login) holds its connection no longer than about
// server.timeouts.read (2 s here), not the 200 s the body would take.
func TestSlowBodyIsCut(t *testing.T) {
	addr, _ := startServe(t, limitsConfig)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprint(conn, "POST /_gatehouse/api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
	done := make(chan time.Duration, 1)
	go func() {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 4096)
		for {
			if _, err := conn.Read(buf); err != nil {
				done <- time.Since(start)
				return
			}
		}
	}()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case d := <-done:
			if d > 4*time.Second {
				t.Fatalf("a client trickling its body held the connection %s (read 2s)", d)
			}
			return
		case <-tick.C:
			if _, err := fmt.Fprint(conn, " "); err != nil {
				// The server closed the connection; the reader sees it next.
				continue
			}
		}
	}
}

// TestAdminListenerHasTheMainLimits: admin_listen (/healthz, /readyz,
// /metrics, which a cluster's scraper reaches) refuses a header block past
// 64 KiB as the main listener does. Before, it took net/http's default of
// 1 MiB a request: sixteen times the main listener's, from anyone who
// could reach the port.
func TestAdminListenerHasTheMainLimits(t *testing.T) {
	admin := freeAddr(t)
	addr, _ := startServe(t, func(addr, users, key string) string {
		return strings.Replace(limitsConfig(addr, users, key), `admin_listen: ""`, fmt.Sprintf("admin_listen: %q", admin), 1)
	})
	for _, tt := range []struct {
		listener, addr, path string
		size                 int
		want                 string
	}{
		{"main", addr, "/_gatehouse/jwks.json", 60 << 10, "HTTP/1.1 200 "},
		{"main", addr, "/_gatehouse/jwks.json", 70 << 10, "HTTP/1.1 431 "},
		{"admin", admin, "/healthz", 60 << 10, "HTTP/1.1 200 "},
		{"admin", admin, "/healthz", 70 << 10, "HTTP/1.1 431 "},
		{"admin", admin, "/metrics", 512 << 10, "HTTP/1.1 431 "},
	} {
		raw := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: %s\r\nConnection: close\r\n\r\n", tt.path, strings.Repeat("a", tt.size))
		if got := statusLine(t, tt.addr, raw); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s listener, %d KiB of headers: %q, want %q", tt.listener, tt.size>>10, got, tt.want)
		}
	}
}
