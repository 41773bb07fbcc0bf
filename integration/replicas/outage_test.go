package replicas

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// traffic keeps a signed-in client and an anonymous one busy against the
// given gateways, and records what they got.
type traffic struct {
	t       *testing.T
	limit   time.Duration // slowest acceptable answer
	stop    atomic.Bool
	wg      sync.WaitGroup
	mu      sync.Mutex
	counts  map[string]int // "signed-in 200", "anonymous 503", ...
	slowest time.Duration
	bad     []string
}

// startTraffic runs one signed-in loop (cookie) and one anonymous loop
// per gateway until stopped.
func startTraffic(t *testing.T, cookie string, limit time.Duration, ps ...*proc) *traffic {
	tr := &traffic{t: t, limit: limit, counts: map[string]int{}}
	for _, p := range ps {
		for _, who := range []string{"signed-in", "anonymous"} {
			c := newClient(t, "198.51.100.1")
			if who == "signed-in" {
				c.cookie = cookie
			}
			tr.wg.Go(func() {
				for !tr.stop.Load() {
					r, err := c.try(p, http.MethodGet, "/reports", nil)
					tr.record(p, who, r, err)
					time.Sleep(10 * time.Millisecond)
				}
			})
		}
	}
	return tr
}

func (tr *traffic) record(p *proc, who string, r reply, err error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if err != nil {
		tr.bad = append(tr.bad, fmt.Sprintf("%s on %s: %v", who, p.name, err))
		return
	}
	tr.counts[fmt.Sprintf("%s %d", who, r.status)]++
	tr.slowest = max(tr.slowest, r.took)
	switch {
	case who == "anonymous" && r.status == http.StatusOK:
		tr.bad = append(tr.bad, fmt.Sprintf("anonymous request let through by %s", p.name))
	case r.status == http.StatusServiceUnavailable && r.code() != "store_unavailable":
		tr.bad = append(tr.bad, fmt.Sprintf("503 from %s with code %q", p.name, r.code()))
	case r.took > tr.limit:
		tr.bad = append(tr.bad, fmt.Sprintf("%s on %s answered %d after %v", who, p.name, r.status, r.took))
	}
}

// snapshot returns the counts so far and resets them.
func (tr *traffic) snapshot() map[string]int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	c := tr.counts
	tr.counts = map[string]int{}
	return c
}

// end stops the loops and reports every bad answer.
func (tr *traffic) end() {
	tr.stop.Store(true)
	tr.wg.Wait()
	for _, b := range tr.bad {
		tr.t.Error(b)
	}
	tr.t.Logf("slowest answer: %v", tr.slowest)
}

// waitReady waits until /readyz of every gateway answers want.
func waitReady(t *testing.T, want int, timeout time.Duration, ps ...*proc) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for _, p := range ps {
		for {
			code, body := p.adminGet(t, "/readyz")
			if code == want {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s /readyz = %d %q, want %d within %v", p.name, code, body, want, timeout)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestRedisOutage hangs Redis, then kills it, under traffic through two
// gateways: requests that need the store get 503 within the op timeout
// (plus a margin), never a hang and never a pass; /readyz says 503; and
// service resumes by itself when Redis is back.
func TestRedisOutage(t *testing.T) {
	t.Parallel()
	srv := testredis.NewServer(t)
	w := newWorld(t, redisConfig{addrs: []string{srv.Addr}})
	a, b := w.start(t, "a"), w.start(t, "b")
	u := newClient(t, "198.51.100.1")
	u.signIn(w, a, b, alice)

	// op_timeout is 300ms; the slowest answer measured is about that. The
	// limit leaves a second for scheduling on a busy two-core machine: it
	// tells a bounded wait from a hang, not a fast one from a slow one.
	tr := startTraffic(t, u.cookie, time.Second+w.opTimeout, a, b)
	defer tr.end()
	time.Sleep(300 * time.Millisecond)
	if c := tr.snapshot(); c["signed-in 200"] == 0 || c["anonymous 401"] == 0 {
		t.Fatalf("before the outage: %v", c)
	}

	// A hung Redis: connections open, nothing answers.
	srv.Pause()
	time.Sleep(200 * time.Millisecond)
	tr.snapshot()
	time.Sleep(time.Second)
	if c := tr.snapshot(); c["signed-in 503"] == 0 || c["signed-in 200"] != 0 {
		t.Errorf("while Redis hangs: %v, want only 503 for the signed-in client", c)
	}
	waitReady(t, http.StatusServiceUnavailable, 5*time.Second, a, b)
	srv.Resume()
	waitReady(t, http.StatusOK, 5*time.Second, a, b)
	time.Sleep(200 * time.Millisecond)
	tr.snapshot()
	time.Sleep(300 * time.Millisecond)
	if c := tr.snapshot(); c["signed-in 200"] == 0 || c["signed-in 503"] != 0 {
		t.Errorf("after Redis resumed: %v, want the session to work again", c)
	}

	// A dead Redis: connections refused. It comes back empty.
	srv.Kill()
	time.Sleep(200 * time.Millisecond)
	tr.snapshot()
	time.Sleep(time.Second)
	if c := tr.snapshot(); c["signed-in 503"] == 0 || c["signed-in 200"] != 0 {
		t.Errorf("while Redis is down: %v, want only 503 for the signed-in client", c)
	}
	waitReady(t, http.StatusServiceUnavailable, 5*time.Second, a, b)
	srv.Restart()
	waitReady(t, http.StatusOK, 5*time.Second, a, b)
	time.Sleep(200 * time.Millisecond)
	tr.snapshot()
	// Redis came back empty, but the session is recent: the gateway that
	// wrote it writes it again (docs/contract.md, "Failover durability"),
	// after giving every gateway time to replay its logouts. Meanwhile it
	// is 401, never 503.
	deadline := time.Now().Add(6 * time.Second)
	for {
		time.Sleep(300 * time.Millisecond)
		c := tr.snapshot()
		if c["signed-in 503"] != 0 {
			t.Errorf("after Redis restarted empty: %v, want no 503", c)
		}
		if c["signed-in 200"] > 0 && c["signed-in 401"] == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after Redis restarted empty: %v, want the recent session written again", c)
		}
	}

	// Signing in works again, on both gateways, without a restart.
	again := newClient(t, "198.51.100.2")
	again.signIn(w, b, a, alice)
	for _, p := range []*proc{a, b} {
		want(t, "new session on "+p.name, again.get(p, "/reports"), http.StatusOK, "")
		if n := p.metric(t, `gatehouse_store_errors_total{op="get"}`); n == 0 {
			t.Errorf("%s counted no store errors", p.name)
		}
		// Every line, the Redis client's own complaints included, is JSON.
		p.logLines(t)
	}
}
