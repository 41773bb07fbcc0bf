package gateway_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestWebSocketsPerAccountAreBounded checks docs/contract.md, "WebSocket
// proxying": an account holds at most session.max_per_account open
// WebSockets at once, in all its browsers together; the next handshake
// is 429 and never reaches the app, another account's is not held back,
// and one closed gives its place to the next. Before, one account (with
// sign-up on, anyone's) opened them without end from a script, each
// holding a connection to the app and a look at its session every 5 s.
func TestWebSocketsPerAccountAreBounded(t *testing.T) {
	t.Parallel()
	const limit = 3
	up := newSwitchingUpstream(t)
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Session.MaxPerAccount = limit
		cfg.Routes = append(cfg.Routes, config.Route{Name: "wsauth", Host: wsAuthHost, PathPrefix: "/", Upstream: up.srv.URL, Policy: "password"})
	}})
	const ws = "Upgrade: websocket\r\n"
	first, second := h.newClient(t), h.newClient(t)
	first.signIn(wsAuthHost, bob)
	second.signIn(wsAuthHost, bob)

	conns := make([]interface{ Close() error }, 0, limit)
	for i := range limit {
		c := first
		if i%2 == 1 {
			c = second // the account's, whichever browser
		}
		conn, _, status := openWebSocket(t, h, c, ws)
		if status != http.StatusSwitchingProtocols {
			t.Fatalf("bob's WebSocket %d of %d answered %d", i+1, limit, status)
		}
		conns = append(conns, conn)
	}
	reached := up.count()
	for _, c := range []*client{first, second} {
		if _, _, status := openWebSocket(t, h, c, ws); status != http.StatusTooManyRequests {
			t.Errorf("bob's WebSocket past %d open answered %d, want 429", limit, status)
		}
	}
	if got := up.count(); got != reached {
		t.Errorf("%d handshakes past the bound reached the app", got-reached)
	}

	other := h.newClient(t)
	other.signIn(wsAuthHost, carol)
	if _, _, status := openWebSocket(t, h, other, ws); status != http.StatusSwitchingProtocols {
		t.Errorf("carol's WebSocket, while bob holds his all, answered %d", status)
	}

	// One of bob's closed: its place is the next one's.
	conns[0].Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, _, status := openWebSocket(t, h, first, ws)
		if status == http.StatusSwitchingProtocols {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s after one of bob's WebSockets closed, the next still answered %d", status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
