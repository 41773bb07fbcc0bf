package gateway_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestWebSocketProofsAgeHoweverItsUpgradeIsSpelt checks docs/contract.md,
// "WebSocket proxying": a WebSocket's proofs must stay within its route's
// max_auth_age as it goes on, whatever the handshake's Upgrade header
// lines. Before, a handshake that said "Upgrade: websocket" twice was
// switched all the same (the proxy forwards the first line), but judged
// as a download, its proofs aged when it began: a thief holding a
// session with fresh proofs kept a web terminal on a max_auth_age route
// open for as long as the session lived.
func TestWebSocketProofsAgeHoweverItsUpgradeIsSpelt(t *testing.T) {
	t.Parallel()
	for name, upgrade := range map[string]string{
		"one line":  "Upgrade: websocket\r\n",
		"two lines": "Upgrade: websocket\r\nUpgrade: websocket\r\n",
		"and h2c":   "Upgrade: websocket\r\nUpgrade: h2c\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			up := newSwitchingUpstream(t)
			h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
				cfg.Routes = append(cfg.Routes, config.Route{Name: "wsauth", Host: wsAuthHost, PathPrefix: "/", Upstream: up.srv.URL, Policy: "password", MaxAuthAge: 5 * time.Minute})
			}})
			c := h.newClient(t)
			c.signIn(wsAuthHost, bob)
			conn, br, status := openWebSocket(t, h, c, upgrade)
			if status != http.StatusSwitchingProtocols {
				return // never relayed: nothing to outlive max_auth_age
			}
			h.clock.Advance(6 * time.Minute) // the proofs are older than max_auth_age now
			deadline := time.Now().Add(15 * time.Second)
			for !time.Now().After(deadline) {
				conn.SetReadDeadline(time.Now().Add(time.Second))
				fmt.Fprint(conn, "ls")
				b := make([]byte, 2)
				_, err := io.ReadFull(br, b)
				if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
					return // closed
				}
				time.Sleep(500 * time.Millisecond)
			}
			t.Fatal("the WebSocket still relays 15 s after its proofs grew older than max_auth_age")
		})
	}
}

// openWebSocket sends a WebSocket handshake to wsAuthHost with c's
// session and the Upgrade header lines upgrade, and returns the
// connection, its reader and the status of the answer.
func openWebSocket(t *testing.T, h *harness, c *client, upgrade string) (net.Conn, *bufio.Reader, int) {
	t.Helper()
	conn, err := net.Dial("tcp", h.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(40 * time.Second))
	fmt.Fprintf(conn, "GET /terminal HTTP/1.1\r\nHost: %s\r\nCookie: %s=%s\r\nConnection: Upgrade\r\n%s"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", wsAuthHost, h.cfg.Session.CookieName, c.cookie(), upgrade)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		resp.Body.Close()
	}
	return conn, br, resp.StatusCode
}
