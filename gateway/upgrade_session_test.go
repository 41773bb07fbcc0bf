package gateway_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

const wsAuthHost = "wsauth.example.com" // password, to the switching upstream

// TestWebSocketEndsWithItsSession checks docs/contract.md, "WebSocket
// proxying": a WebSocket forwarded with an identity lasts only as long as
// the session that opened it. Before, a thief whose session an
// administrator revoked (or the person signed out, or the account was
// disabled) kept every WebSocket already open, a web terminal or a
// notebook's kernel, for as long as they liked. A WebSocket whose session
// lives stays open across the gateway's checks.
func TestWebSocketEndsWithItsSession(t *testing.T) {
	t.Parallel()
	up := newSwitchingUpstream(t)
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Routes = append(cfg.Routes, config.Route{Name: "wsauth", Host: wsAuthHost, PathPrefix: "/", Upstream: up.srv.URL, Policy: "password"})
	}})
	c := h.newClient(t)
	c.signIn(wsAuthHost, bob)

	conn, err := net.Dial("tcp", h.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(40 * time.Second))
	fmt.Fprintf(conn, "GET /terminal HTTP/1.1\r\nHost: %s\r\nCookie: %s=%s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", wsAuthHost, h.cfg.Session.CookieName, c.cookie())
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake answered %s", resp.Status)
	}
	if got := up.last(t).Get("X-Auth-User"); got != "bob" {
		t.Fatalf("the upgrade reached the upstream as %q, want bob", got)
	}
	echo := func() error {
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

	// Past the gateway's first look at the session: still open.
	time.Sleep(6 * time.Second)
	if err := echo(); err != nil {
		t.Fatalf("a WebSocket of a live session was cut: %v", err)
	}

	c.api(wsAuthHost, "logout", nil).wantStatus(t, http.StatusOK)
	deadline := time.Now().Add(15 * time.Second)
	for {
		conn.SetReadDeadline(time.Now().Add(time.Second))
		err := echo()
		switch {
		case errors.Is(err, io.EOF), err != nil && strings.Contains(err.Error(), "reset"):
			return // closed
		case err != nil && !errors.Is(err, os.ErrDeadlineExceeded):
			t.Fatalf("after sign-out: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the WebSocket still relays 15 s after its session was ended")
		}
		time.Sleep(500 * time.Millisecond)
	}
}
