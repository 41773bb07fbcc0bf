package gateway

import (
	"fmt"
	"sync"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// WebSockets per account (docs/contract.md, "WebSocket proxying"): each
// one proxy mode relays with an identity holds two connections, an
// upstream one and a look at its session in the store every
// upgradeRecheck for as long as it is open. Nothing bounded how many one
// account held: whoever could sign in (with sign-up on, anyone) opened
// them by the thousand from a script, each kept open for good, and the
// gateway's file descriptors, the upstream's connections and the
// store's reads went to them. An account holds at most
// session.max_per_account open at once on a replica, as many as it keeps
// sessions; a handshake past that is 429 rate_limited and never reaches
// the app. The count is in memory, so no request pays a store round trip
// for it, and is handed to the configuration that replaces this one
// (Retire).

// errTooManySockets refuses a WebSocket handshake of an account that
// holds as many open as it may.
var errTooManySockets = fmt.Errorf("gateway: the account holds as many open WebSockets as it may: %w", auth.ErrRateLimited)

// socketCount is how many WebSockets each account has open through this
// replica.
type socketCount struct {
	mu   sync.Mutex
	open map[string]int
}

func newSocketCount() *socketCount { return &socketCount{open: map[string]int{}} }

// take counts one more open WebSocket of user, unless user holds limit
// already (errTooManySockets). The WebSocket's end calls release, once.
func (c *socketCount) take(user string, limit int) (release func(), err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open[user] >= limit {
		return nil, errTooManySockets
	}
	c.open[user]++
	var once sync.Once
	return func() { once.Do(func() { c.release(user) }) }, nil
}

func (c *socketCount) release(user string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open[user] <= 1 {
		delete(c.open, user) // the map holds only accounts with one open
		return
	}
	c.open[user]--
}
