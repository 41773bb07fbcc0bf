package hashworker

import "time"

// idleExit is how long a worker may go without a hash before the Client
// lets it exit; the next hash starts a new one (a few tens of
// milliseconds). A gateway with no logins under way holds no worker.
const idleExit = 10 * time.Second

// retireGrace is how long a retired worker, its input closed with
// nothing in flight, may take to exit before it is taken for hung and
// killed (docs/contract.md, "Password hashing").
const retireGrace = 30 * time.Second

// armLocked schedules the running worker's exit after c.idle without a
// call. The caller holds c.mu.
func (c *Client) armLocked() {
	if c.cur == nil {
		return
	}
	if c.retire == nil {
		c.retire = time.AfterFunc(c.idle, c.retireIdle)
		return
	}
	c.retire.Reset(c.idle)
}

// retireIdle lets the worker exit (its input closes) if still nothing is
// in flight; the next call starts a new one. One still there after
// c.grace is killed as hung.
func (c *Client) retireIdle() {
	c.mu.Lock()
	ch := c.cur
	if c.inFlight > 0 || ch == nil {
		c.mu.Unlock()
		return
	}
	c.cur = nil
	grace := c.grace
	c.mu.Unlock()
	ch.stop()
	_ = ch.stdin.Close()
	time.AfterFunc(grace, func() {
		select {
		case <-ch.dead:
		default:
			c.hang(ch, "it did not exit once retired", grace)
		}
	})
}

// stop marks ch's coming end as asked for.
func (ch *child) stop() {
	ch.mu.Lock()
	ch.stopping = true
	ch.mu.Unlock()
}
