package gateway_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// withRoute adds a bypass route for host to upstream with timeouts.
func withRoute(name, host, upstream string, to config.RouteTimeouts) setup {
	return setup{edit: func(cfg *config.Config, _ string) {
		cfg.Routes = append(cfg.Routes, config.Route{Name: name, Host: host, PathPrefix: "/", Upstream: upstream, Policy: "bypass", Timeouts: to})
	}}
}

// TestRouteTimeouts: each route's dial and response timeouts bound how long
// a request waits for its upstream, answered with the contract's 504 as
// JSON or as a page.
func TestRouteTimeouts(t *testing.T) {
	t.Parallel()
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(hung.Close)
	hole := "http://" + blackhole(t)

	tests := []struct {
		name     string
		upstream string
		timeouts config.RouteTimeouts
		limit    time.Duration
	}{
		{"response timeout", hung.URL, config.RouteTimeouts{Response: 200 * time.Millisecond}, time.Second},
		{"dial timeout", hole, config.RouteTimeouts{Dial: 200 * time.Millisecond}, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, withRoute("slow", "slow.example.com", tt.upstream, tt.timeouts))
			c := h.newClient(t)
			begin := time.Now()
			r := c.get("slow.example.com", "/x")
			if took := time.Since(begin); took > tt.limit {
				t.Errorf("504 after %v, want within %v", took, tt.limit)
			}
			r.wantError(t, http.StatusGatewayTimeout, "upstream_timeout")
			r = c.browse("slow.example.com", "/x")
			r.wantStatus(t, http.StatusGatewayTimeout)
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(string(r.body), "did not answer in time") {
				t.Errorf("browser 504: %s\n%s", ct, r.body)
			}
			if got := metricValue(t, h, `gatehouse_upstream_errors_total{code="upstream_timeout",route="slow"}`); got != 2 {
				t.Errorf("upstream_timeout errors = %v, want 2", got)
			}
		})
	}
}

// countingDialer refuses connections while refuse is set and counts every
// attempt.
type countingDialer struct {
	attempts atomic.Int64
	refuse   atomic.Bool
}

func (d *countingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.attempts.Add(1)
	if d.refuse.Load() {
		return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

// TestDeadUpstreamIsMarkedDown: after three connection failures in a row
// an upstream is not tried for a while, requests get 502 at once; then one
// request probes it and, if it answers, traffic resumes.
func TestDeadUpstreamIsMarkedDown(t *testing.T) {
	t.Parallel()
	d := &countingDialer{}
	d.refuse.Store(true)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = d.DialContext
	h := newHarness(t, setup{transport: tr})
	c := h.newClient(t)

	for i := range 3 {
		c.get(publicHost, fmt.Sprintf("/try-%d", i)).wantError(t, http.StatusBadGateway, "upstream_unavailable")
	}
	if n := d.attempts.Load(); n != 3 {
		t.Fatalf("%d dials for 3 requests", n)
	}
	begin := time.Now()
	for range 10 {
		c.get(publicHost, "/").wantError(t, http.StatusBadGateway, "upstream_unavailable")
	}
	if n := d.attempts.Load(); n != 3 {
		t.Errorf("the upstream was dialed %d more times while marked down", n-3)
	}
	if took := time.Since(begin); took > time.Second {
		t.Errorf("10 requests to a down upstream took %v", took)
	}
	// Routes to other upstreams are unaffected.
	c.get(deadHost, "/").wantError(t, http.StatusBadGateway, "upstream_unavailable")

	d.refuse.Store(false)
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := c.get(publicHost, "/back")
		if r.status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the upstream is still refused 5s after it came back: %d %s", r.status, r.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.get(publicHost, "/again").wantStatus(t, http.StatusOK)
}

// TestBlackholedUpstreamDoesNotPileUpGoroutines sends many concurrent
// requests to an upstream whose packets are dropped: each is answered
// within the dial timeout, and once they are, the goroutines they used
// are gone. It is not parallel: it counts the process's goroutines.
func TestBlackholedUpstreamDoesNotPileUpGoroutines(t *testing.T) {
	hole := "http://" + blackhole(t)
	h := newHarness(t, withRoute("hole", "hole.example.com", hole, config.RouteTimeouts{Dial: 300 * time.Millisecond}))
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(path string) (int, error) {
		req, err := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
		if err != nil {
			return 0, err
		}
		req.Host = "hole.example.com"
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if _, err := get("/warm-up"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the warm-up's dial ends
	baseline := runtime.NumGoroutine()

	const n = 200
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
		slowest  time.Duration
		failures []error
	)
	for i := range n {
		wg.Go(func() {
			begin := time.Now()
			code, err := get(fmt.Sprintf("/r%d", i))
			took := time.Since(begin)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures = append(failures, err)
				return
			}
			statuses[code]++
			slowest = max(slowest, took)
		})
	}
	wg.Wait()
	for _, err := range failures {
		t.Errorf("request failed: %v", err)
	}
	for code, count := range statuses {
		if code != http.StatusBadGateway && code != http.StatusGatewayTimeout {
			t.Errorf("%d requests got %d, want 502 or 504", count, code)
		}
	}
	if slowest > 3*time.Second {
		t.Errorf("the slowest answer took %v with a 300ms dial timeout", slowest)
	}
	t.Logf("%d requests: %v, slowest %v", n, statuses, slowest)

	deadline := time.Now().Add(5 * time.Second)
	for {
		client.CloseIdleConnections()
		got := runtime.NumGoroutine()
		if got <= baseline+5 {
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines 5s after the requests ended, %d before them\n%s", got, baseline, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRequestIDReachesUpstream: the id the client gets in X-Request-Id is
// the one the upstream receives, so logs on both sides can be matched. A
// trusted front proxy's id is kept; anyone else's is replaced.
func TestRequestIDReachesUpstream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		trusted  []string
		wantKept bool
	}{
		{"from a trusted proxy", []string{"127.0.0.1/32"}, true},
		{"from an untrusted client", []string{"10.0.0.0/8"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) { cfg.Server.TrustedProxies = tt.trusted }})
			c := h.newClient(t)
			r := c.get(publicHost, "/")
			r.wantStatus(t, http.StatusOK)
			id := r.header.Get("X-Request-Id")
			if id == "" {
				t.Fatal("no X-Request-Id in the response")
			}
			if got := h.up.last(t).Header.Get("X-Request-Id"); got != id {
				t.Errorf("upstream got X-Request-Id %q, the client %q", got, id)
			}

			r = c.do(request{host: publicHost, path: "/", header: http.Header{"X-Request-Id": {"front-proxy-id-1"}}})
			got := h.up.last(t).Header.Get("X-Request-Id")
			if got != r.header.Get("X-Request-Id") {
				t.Errorf("upstream got X-Request-Id %q, the client %q", got, r.header.Get("X-Request-Id"))
			}
			if kept := got == "front-proxy-id-1"; kept != tt.wantKept {
				t.Errorf("incoming X-Request-Id kept: %v, want %v", kept, tt.wantKept)
			}
		})
	}
}

// TestLatencyMetrics: decisions and upstream calls are timed.
func TestLatencyMetrics(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.newClient(t)
	c.signIn(crmHost, alice)
	c.get(crmHost, "/").wantStatus(t, http.StatusOK)
	c.get(publicHost, "/").wantStatus(t, http.StatusOK)
	for _, want := range []string{
		`gatehouse_auth_decision_duration_seconds_count{mode="proxy"}`,
		`gatehouse_upstream_duration_seconds_count{route="crm"}`,
		`gatehouse_upstream_duration_seconds_count{route="public"}`,
	} {
		if got := metricValue(t, h, want); got < 1 {
			t.Errorf("%s = %v, want at least 1", want, got)
		}
	}
}

// metricValue scrapes the harness registry for one sample, by its exact
// name and labels as in the text format; 0 if absent.
func metricValue(t *testing.T, h *harness, series string) float64 {
	t.Helper()
	srv := httptest.NewServer(h.gw.AdminHandler(h.registry))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.SplitSeq(string(body), "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			return f
		}
	}
	return 0
}
