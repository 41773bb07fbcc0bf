package replicas

import (
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestSecondSIGTERMStopsAtOnce stops a gateway whose shutdown grace is
// 30 s while a request is in the app for 15 s (docs/contract.md,
// "Graceful shutdown"): the first SIGTERM drains, waiting for it; a
// second SIGTERM (an operator's second Ctrl-C, an orchestrator that
// insists) closes what is still open and exits at once, exit 0 after
// `stopped`. Before, the second signal was ignored and the process
// waited out the request, up to the whole grace.
func TestSecondSIGTERMStopsAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, redisConfig{addrs: []string{testredis.Start(t)}})
	w.shutdown = 30 * time.Second
	p := w.start(t, "a")

	answered := make(chan struct{})
	go func() {
		defer close(answered)
		req, _ := http.NewRequest(http.MethodGet, p.base+"/public/slow?ms=15000", nil)
		req.Host = "gatehouse.test"
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	for deadline := time.Now().Add(5 * time.Second); p.metric(t, "gatehouse_http_requests_in_flight") < 1; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the slow request never reached the gateway")
		}
	}

	p.signal(syscall.SIGTERM)
	p.waitLog(t, "shutting down: no new connections, finishing requests in flight", 2*time.Second)
	if _, exited := p.waitExit(time.Second); exited {
		t.Fatalf("exited at the first SIGTERM with a request in flight, grace 30s:\n%s", p.logText())
	}
	second := time.Now()
	p.signal(syscall.SIGTERM)
	code, exited := p.waitExit(3 * time.Second)
	if !exited {
		t.Fatalf("still running 3s after a second SIGTERM:\n%s", p.logText())
	}
	t.Logf("exit %v after the second SIGTERM", time.Since(second).Round(time.Millisecond))
	if code != 0 {
		t.Errorf("exit code %d after a second SIGTERM, want 0 (the stop was asked for)", code)
	}
	p.waitLog(t, "stopped", time.Second)
	p.waitLog(t, "second signal: closing the connections still open", time.Second)
	select {
	case <-answered:
	case <-time.After(2 * time.Second):
		t.Error("the in-flight request's connection was left open after the exit")
	}
}
