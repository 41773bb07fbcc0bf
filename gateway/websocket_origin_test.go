package gateway_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// wsKey is the Sec-WebSocket-Key of every handshake here (RFC 6455's
// example): browsers send one on each handshake, and no script can set it.
const wsKey = "dGhlIHNhbXBsZSBub25jZQ=="

// rawHandshake sends a WebSocket handshake for host to the gateway,
// with cookie as the session cookie ("" for none) and origin as its
// Origin ("" for none), and returns the status it is answered with.
func rawHandshake(t *testing.T, h *harness, host, origin, cookie string) int {
	t.Helper()
	conn, err := net.Dial("tcp", h.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "GET /terminal HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n", host)
	fmt.Fprintf(&b, "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nAccept: */*\r\n", wsKey)
	if origin != "" {
		fmt.Fprintf(&b, "Origin: %s\r\n", origin)
	}
	if cookie != "" {
		fmt.Fprintf(&b, "Cookie: %s=%s\r\n", h.cfg.Session.CookieName, cookie)
	}
	b.WriteString("\r\n")
	if _, err := conn.Write([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestWebSocketsOpenOnlyFromTheAppsOwnPages checks docs/contract.md,
// "WebSocket proxying" and "Forward-auth protocol": a WebSocket is not
// bound by the same-origin policy, and its handshake carries the
// session cookie from any page of the same site (a sibling host's, to
// which SameSite=Lax and Strict send it alike: a user-content host, a
// script injected into another app), or from any site with
// session.same_site none. Before, the gateway let such a handshake
// through as the signed-in person (X-Auth-User: bob), so a page of
// blog.example.com held a web terminal, a notebook's kernel, an app's
// live API, read and written as bob, wherever the app does not check
// Origin itself (ttyd does not by default; apps behind an auth proxy
// rarely do). A handshake sent with an identity must now come from a
// page of the app's own origin, or from a client that sends no Origin
// (not a browser): any other, or "null", is 403 csrf_failed, in proxy
// mode and from both forward-auth endpoints, and never reaches the app.
// A bypassed route sends no identity and is not concerned.
func TestWebSocketsOpenOnlyFromTheAppsOwnPages(t *testing.T) {
	t.Parallel()
	up := newSwitchingUpstream(t)
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Routes = append(cfg.Routes,
			config.Route{Name: "wsauth", Host: wsAuthHost, PathPrefix: "/", Upstream: up.srv.URL, Policy: "password"},
			config.Route{Name: "ws", Host: wsHost, PathPrefix: "/", Upstream: up.srv.URL, Policy: "bypass"},
		)
	}})
	c := h.newClient(t)
	c.signIn(wsAuthHost, bob)
	seen := func() int { up.mu.Lock(); defer up.mu.Unlock(); return len(up.seen) }

	t.Run("proxy mode", func(t *testing.T) {
		for _, tc := range []struct {
			name, host, origin, cookie string
			want                       int
		}{
			{"a sibling host's page", wsAuthHost, "http://" + blogHost, c.cookie(), http.StatusForbidden},
			{"another site's page", wsAuthHost, "https://evil.example.net", c.cookie(), http.StatusForbidden},
			{"an opaque origin", wsAuthHost, "null", c.cookie(), http.StatusForbidden},
			{"an origin of another scheme", wsAuthHost, "ftp://" + wsAuthHost, c.cookie(), http.StatusForbidden},
			{"the app's own page", wsAuthHost, "http://" + wsAuthHost, c.cookie(), http.StatusSwitchingProtocols},
			{"the app's own page, its host in capitals", wsAuthHost, "http://WSAUTH.example.com", c.cookie(), http.StatusSwitchingProtocols},
			{"no Origin: not a browser", wsAuthHost, "", c.cookie(), http.StatusSwitchingProtocols},
			{"a bypassed route sends no identity", wsHost, "http://" + blogHost, c.cookie(), http.StatusSwitchingProtocols},
			{"anonymous, from a sibling host", wsAuthHost, "http://" + blogHost, "", http.StatusUnauthorized},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := seen()
				got := rawHandshake(t, h, tc.host, tc.origin, tc.cookie)
				if got != tc.want {
					t.Fatalf("handshake from %q: %d, want %d", tc.origin, got, tc.want)
				}
				if reached := seen() > before; reached != (got == http.StatusSwitchingProtocols) {
					t.Fatalf("handshake from %q answered %d, and the app reached: %v", tc.origin, got, reached)
				}
				if got == http.StatusSwitchingProtocols && tc.host == wsAuthHost {
					if user := up.last(t).Get("X-Auth-User"); user != "bob" {
						t.Fatalf("the app got X-Auth-User %q, want bob", user)
					}
				}
			})
		}
	})

	t.Run("forward-auth", func(t *testing.T) {
		cookie := h.cfg.Session.CookieName + "=" + c.cookie()
		for _, fd := range frontDoors {
			for _, tc := range []struct {
				name, origin string
				// h2: a WebSocket over HTTP/2 (RFC 8441), a CONNECT
				// without Sec-WebSocket-Key.
				h2   bool
				want int
				// proto is the scheme the front door says ("": https);
				// Traefik with trustForwardHeader says wss for a
				// WebSocket (before: 401, the scheme refused).
				proto string
			}{
				{"the app's own page, said wss", "https://" + wsAuthHost, false, http.StatusOK, "wss"},
				{"a sibling host's page, said wss", "https://" + blogHost, false, http.StatusForbidden, "wss"},
				{"a sibling host's page", "https://" + blogHost, false, http.StatusForbidden, ""},
				{"another port of the app's host", "https://" + wsAuthHost + ":8443", false, http.StatusForbidden, ""},
				{"a page over plain http", "http://" + wsAuthHost, false, http.StatusForbidden, ""},
				{"an opaque origin", "null", false, http.StatusForbidden, ""},
				{"a sibling host's page, over HTTP/2", "https://" + blogHost, true, http.StatusForbidden, ""},
				{"the app's own page", "https://" + wsAuthHost, false, http.StatusOK, ""},
				{"the app's own page, over HTTP/2", "https://" + wsAuthHost, true, http.StatusOK, ""},
				{"no Origin: not a browser", "", false, http.StatusOK, ""},
			} {
				t.Run(fd.name+", "+tc.name, func(t *testing.T) {
					// The front doors pass Sec-WebSocket-Key and Origin on;
					// Upgrade and Connection are hop-by-hop, and they drop them.
					method, hdr := http.MethodGet, http.Header{"Accept": {"*/*"}, "Cookie": {cookie}, "Sec-Websocket-Key": {wsKey}, "Sec-Websocket-Version": {"13"}}
					if tc.h2 {
						method, hdr = http.MethodConnect, http.Header{"Accept": {"*/*"}, "Cookie": {cookie}, "Sec-Websocket-Version": {"13"}}
					}
					if tc.origin != "" {
						hdr["Origin"] = []string{tc.origin}
					}
					proto := "https"
					if tc.proto != "" {
						proto = tc.proto
					}
					r := h.newClient(t).do(fd.build(clientReq{method: method, proto: proto, host: wsAuthHost, uri: "/terminal", header: hdr}))
					if r.status != tc.want {
						t.Fatalf("%d %s, want %d", r.status, r.body, tc.want)
					}
					switch user := r.header.Get("X-Auth-User"); {
					case tc.want == http.StatusOK && user != "bob":
						t.Fatalf("allowed as %q, want bob", user)
					case tc.want != http.StatusOK && user != "":
						t.Fatalf("refused, with X-Auth-User %q", user)
					}
					if tc.want == http.StatusForbidden {
						r.wantError(t, http.StatusForbidden, "csrf_failed")
					}
				})
			}
		}
	})
}
