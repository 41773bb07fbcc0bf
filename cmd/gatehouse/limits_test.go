package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestSlowClientsAreCut checks the request limits a user of `serve` gets:
// a client that trickles its headers is disconnected after
// server.timeouts.read_header, and an oversized header block is refused.
func TestSlowClientsAreCut(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "gatehouse.key")
	if code, _, e := runCmd(t, "", "keygen", "-o", key); code != 0 {
		t.Fatal(e)
	}
	users := filepath.Join(dir, "users.yaml")
	os.WriteFile(users, []byte("users: {}\n"), 0o600)
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "gateway.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`server:
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
`, addr, users, key)), 0o600)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	errOut := &syncBuffer{}
	go func() { done <- run(ctx, []string{"serve", "-c", cfg}, strings.NewReader(""), io.Discard, errOut) }()
	defer func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d", code)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/_gatehouse/jwks.json")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %v\n%s", err, errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprint(conn, "GET / HTTP/1.1\r\nHost: x\r\n")
	// Trickle one header line every 300 ms and see when the server hangs up.
	closed := make(chan time.Duration, 1)
	go func() {
		buf := make([]byte, 1)
		conn.SetReadDeadline(time.Now().Add(8 * time.Second))
		conn.Read(buf)
		closed <- time.Since(start)
	}()
	for i := 0; i < 20; i++ {
		if _, err := fmt.Fprintf(conn, "X-Slow-%d: y\r\n", i); err != nil {
			break
		}
		select {
		case d := <-closed:
			if d > 3*time.Second {
				t.Fatalf("slow client held the connection %s (read_header 1s)", d)
			}
			goto big
		case <-time.After(300 * time.Millisecond):
		}
	}
	t.Fatal("a client trickling headers was never disconnected")

big:
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	fmt.Fprintf(c2, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 128<<10))
	c2.SetReadDeadline(time.Now().Add(5 * time.Second))
	status, _ := bufio.NewReader(c2).ReadString('\n')
	if !strings.Contains(status, "431") {
		t.Fatalf("128 KiB of headers: %q, want 431", status)
	}
}
