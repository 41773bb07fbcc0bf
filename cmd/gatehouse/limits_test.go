package main

import (
	"bufio"
	"fmt"
	"net"
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
	addr, _ := startServe(t, func(addr, users, key string) string {
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
	})

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
