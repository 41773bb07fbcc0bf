package gateway

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// A WebSocket lasts as long as its session (docs/contract.md, "WebSocket
// proxying"): the gateway's decision is made once, on the handshake, and a
// connection switched to WebSocket then relays for as long as both ends
// keep it. One forwarded with an identity is looked at again every
// upgradeRecheck, by the decision every request gets (the session in the
// store, its user enabled and with the same credentials, the route's
// policy, groups and max_auth_age), and closed, both ways, once that would
// refuse it: signed out, revoked by an administrator, expired, the account
// disabled or its credentials changed. A store that does not answer closes
// it too (fail closed).

// upgradeRecheck is how often an open WebSocket's session is looked at.
const upgradeRecheck = 5 * time.Second

// isWebSocket reports a WebSocket handshake as sanitizeUpgrade lets one
// through: a GET whose Upgrade is exactly "websocket".
func isWebSocket(r *http.Request) bool {
	up, ok := r.Header["Upgrade"]
	return ok && r.Method == http.MethodGet && len(up) == 1 && strings.EqualFold(strings.TrimSpace(up[0]), "websocket")
}

// watchSession calls end once r's session no longer gets rt through, and
// returns when ctx is done (the connection closed). ReverseProxy closes
// the upstream's side of a switched connection when the request's context
// ends, and the client's with it.
func (s *proxySurface) watchSession(ctx context.Context, end context.CancelFunc, r *http.Request, rt *route) {
	t := time.NewTicker(upgradeRecheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sess, u, err := s.userOf(ctx, r)
		if err == nil && decide(rt, sess, u, s.now()).verdict == allow {
			continue
		}
		if ctx.Err() != nil {
			return
		}
		s.log.InfoContext(ctx, "websocket closed: its session no longer gets it through", "route", rt.name, "error", err)
		end()
		return
	}
}
