package main

import (
	"net/http"
	"testing"
	"time"
)

// TestReloadReachesOpenBypassedWebSockets checks docs/contract.md,
// "WebSocket proxying" and "Reload": a WebSocket (or a long request)
// forwarded without an identity, its path bypassed, stays open only
// while the configuration serving now still bypasses its handshake on
// the same route and upstream. Before, only connections forwarded with
// an identity were looked at again: an operator who found a web
// terminal reachable through a bypass (a bypass_paths entry too wide, a
// route left on bypass) and shut it by a reload (policy password, or
// deny) left every anonymous terminal already open relaying for as long
// as its opener liked.
func TestReloadReachesOpenBypassedWebSockets(t *testing.T) {
	anonymous := &http.Cookie{Name: "other", Value: "x"}
	for _, tc := range []struct {
		name, policy string
		closed       bool
	}{
		{"route given a policy", "password", true},
		{"route denied", "deny", true},
		{"route still bypassed", "bypass", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWSWorld(t)
			w.write(t, "bypass", "")
			w.serve(t)
			echo := w.openWebSocket(t, anonymous)
			if err := echo(); err != nil {
				t.Fatalf("the WebSocket does not relay: %v", err)
			}
			w.write(t, tc.policy, "    timeouts: { dial: 4s }\n")
			w.reload(t)
			if got := closedWithin(echo, 12*time.Second); got != tc.closed {
				t.Fatalf("after a reload to policy %s: closed %v, want %v", tc.policy, got, tc.closed)
			}
		})
	}
}
