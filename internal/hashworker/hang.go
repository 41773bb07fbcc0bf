package hashworker

import (
	"errors"
	"sync"
	"time"
)

// Hang detection (docs/contract.md, "Password hashing"): a request the
// worker has not answered within its bound marks the worker hung. The
// bound is derived from the work: hangFactor times what the request
// would take at the slowest pace (time per unit of work, per kind of
// hash) of the last rateSamples answers, never under hangFloor; until
// the worker has answered a hash of that kind, hangUnsampled.
const (
	hangFloor     = 5 * time.Second
	hangFactor    = 4
	hangUnsampled = 30 * time.Second
	hangCeiling   = 10 * time.Minute // keeps the arithmetic in range
	rateSamples   = 32
)

// errWorkerHung is returned to the calls that were waiting on a worker
// found hung: it is killed, they fail as overloaded (not computed again
// in process, not a verdict) and the next call starts a new worker.
var errWorkerHung = errors.New("hashworker: worker did not answer in time")

// work is q's cost in units proportional to its time within its kind:
// KiB times passes for argon2id, 2^cost for bcrypt.
func work(q *request) float64 {
	if q.op != opBcrypt {
		return float64(q.memoryKiB) * float64(q.iterations)
	}
	cost := 16 // the most a Hasher accepts, when the hash does not say
	if h := q.salt; len(h) > 6 && h[4] >= '0' && h[4] <= '3' && h[5] >= '0' && h[5] <= '9' {
		cost = int(h[4]-'0')*10 + int(h[5]-'0')
	}
	return float64(uint64(1) << min(cost, 31))
}

// pace keeps the time per unit of work of recent answers, by kind.
type pace struct {
	mu   sync.Mutex
	ring [2][rateSamples]float64 // seconds per unit, by op
	n    [2]int
	next [2]int
}

// observe records that q was answered d after it was sent.
func (p *pace) observe(q *request, d time.Duration) {
	op := q.op & 1
	p.mu.Lock()
	p.ring[op][p.next[op]] = d.Seconds() / work(q)
	p.next[op] = (p.next[op] + 1) % rateSamples
	p.n[op] = min(p.n[op]+1, rateSamples)
	p.mu.Unlock()
}

// bound is how long q may go unanswered before its worker is taken for
// hung; floor is hangFloor (shorter in tests).
func (p *pace) bound(q *request, floor time.Duration) time.Duration {
	op := q.op & 1
	p.mu.Lock()
	slowest := 0.0
	for _, s := range p.ring[op][:p.n[op]] {
		slowest = max(slowest, s)
	}
	sampled := p.n[op] > 0
	p.mu.Unlock()
	if !sampled {
		return max(floor, hangUnsampled)
	}
	b := hangFactor * slowest * work(q)
	if b >= hangCeiling.Seconds() {
		return hangCeiling
	}
	return max(floor, time.Duration(b*float64(time.Second)))
}

// Stats counts the workers the Client replaced.
type Stats struct {
	// Hung is the workers killed for not answering within the bound.
	Hung uint64
	// Exited is the workers that ended on their own (crashed, killed
	// by someone else), not retired idle or closed.
	Exited uint64
}

// Stats returns how many workers were replaced, and why.
func (c *Client) Stats() Stats {
	return Stats{Hung: c.hung.Load(), Exited: c.exits.Load()}
}

// hang kills ch, found hung (why says how): the calls waiting on it
// fail with errWorkerHung, any answer it still sends is ignored, and the
// next call starts a new worker. It logs and counts once per worker.
func (c *Client) hang(ch *child, why string, bound time.Duration) {
	c.mu.Lock()
	if c.cur == ch { // no call gets it from here on
		c.cur = nil
	}
	c.mu.Unlock()
	ch.mu.Lock()
	first := !ch.hung
	ch.hung = true
	for id, w := range ch.pending {
		delete(ch.pending, id)
		w <- nil
	}
	ch.mu.Unlock()
	if !first {
		return
	}
	// SIGKILL ends a stopped process too; ch.read reaps it once its
	// output closes.
	_ = ch.cmd.Process.Kill()
	c.hung.Add(1)
	c.log.Error("password hashing worker hung: "+why+"; killed it, the next hash starts a new one",
		"pid", ch.cmd.Process.Pid, "bound", bound.String())
}

// exited counts and logs ch's end when nobody asked for it (a crash, a
// kill from outside); the next call starts a new worker.
func (c *Client) exited(ch *child) {
	ch.mu.Lock()
	asked := ch.hung || ch.stopping
	ch.mu.Unlock()
	if asked {
		return
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if !closed {
		c.exits.Add(1)
		c.log.Warn("password hashing worker exited; the next hash starts a new one",
			"pid", ch.cmd.Process.Pid, "state", ch.cmd.ProcessState.String())
	}
}
