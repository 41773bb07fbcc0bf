package gateway

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// Passive health: an upstream whose connections keep failing is marked
// down for a while, and requests for it get 502 at once instead of each
// waiting for its own dial to fail. With a blackholed upstream (packets
// dropped) every request would otherwise hold a connection and a
// goroutine for the whole dial timeout.
const (
	// downAfter consecutive connection failures mark an upstream down.
	downAfter = 3
	// downFor is how long it stays down; then one request probes it.
	downFor = 2 * time.Second
)

// resolveTimeouts fills a route's zero timeouts with the defaults.
func resolveTimeouts(t config.RouteTimeouts) config.RouteTimeouts {
	if t.Dial <= 0 {
		t.Dial = config.DefaultDialTimeout
	}
	if t.Response <= 0 {
		t.Response = config.DefaultResponseTimeout
	}
	return t
}

// defaultTransport is the base of the upstream transports: every route's
// transport is a clone bounded by the route's timeouts (withTimeouts).
func defaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
	t.MaxIdleConnsPerHost = 256
	t.IdleConnTimeout = 90 * time.Second
	return t
}

// withTimeouts bounds a transport's dials (keeping its dialer), TLS
// handshakes and waits for response headers.
func withTimeouts(t *http.Transport, to config.RouteTimeouts) {
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
	}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := context.WithTimeout(ctx, to.Dial)
		defer cancel()
		return dial(ctx, network, addr)
	}
	t.TLSHandshakeTimeout = to.Dial
	t.ResponseHeaderTimeout = to.Response
}

// transports hands out one transport per distinct timeouts within a route
// table, so routes to the same upstream with the same timeouts share
// connections. Each is a clone of the server's base transport bounded by
// the timeouts.
type transports struct {
	base *http.Transport
	made map[config.RouteTimeouts]*http.Transport
	all  []*http.Transport // closed when the table is retired
}

func newTransports(base *http.Transport) *transports {
	return &transports{base: base, made: map[config.RouteTimeouts]*http.Transport{}}
}

func (ts *transports) get(to config.RouteTimeouts) *http.Transport {
	if t, ok := ts.made[to]; ok {
		return t
	}
	t := ts.base.Clone()
	withTimeouts(t, to)
	ts.made[to] = t
	ts.all = append(ts.all, t)
	return t
}

// upstreamHealth tracks one upstream (scheme://host) across routes.
type upstreamHealth struct {
	failures  atomic.Int32 // consecutive connection failures
	downUntil atomic.Int64 // unix nanos; 0 = up
	probing   atomic.Bool  // one request is testing a down upstream
}

// healthTable holds the health of every upstream a server has proxied to.
type healthTable struct {
	m sync.Map // string → *upstreamHealth
}

func (h *healthTable) get(key string) *upstreamHealth {
	if v, ok := h.m.Load(key); ok {
		return v.(*upstreamHealth)
	}
	v, _ := h.m.LoadOrStore(key, new(upstreamHealth))
	return v.(*upstreamHealth)
}

// allow reports whether a request may go to the upstream now, and
// whether it is the probe of a down upstream (which must call done).
func (u *upstreamHealth) allow(now int64) (ok, probe bool) {
	until := u.downUntil.Load()
	if until == 0 {
		return true, false
	}
	if now < until || !u.probing.CompareAndSwap(false, true) {
		return false, false
	}
	return true, true
}

// record notes how a request ended and reports whether this marked the
// upstream down.
func (u *upstreamHealth) record(err error, probe bool, now int64) bool {
	if probe {
		defer u.probing.Store(false)
	}
	if !connectFailure(err) {
		u.failures.Store(0)
		if probe {
			u.downUntil.Store(0)
		}
		return false
	}
	if probe {
		u.downUntil.Store(now + int64(downFor))
		return false
	}
	if u.failures.Add(1) < downAfter {
		return false
	}
	u.failures.Store(0)
	return u.downUntil.Swap(now+int64(downFor)) == 0
}

// connectFailure reports errors that mean the upstream could not be
// reached at all: refused, unreachable, or the dial timed out. A slow
// answer (response timeout) is not one, the upstream is alive; nor is a
// client that went away while waiting.
func connectFailure(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// upstreamTransport is a route's round tripper: it refuses at once while
// the upstream is down, records the upstream's latency and health.
type upstreamTransport struct {
	next   http.RoundTripper
	health *upstreamHealth
	route  *route
	server *core
}

// RoundTrip implements http.RoundTripper.
func (t *upstreamTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	begin := time.Now()
	ok, probe := t.health.allow(begin.UnixNano())
	if !ok {
		return nil, errUpstreamDown
	}
	resp, err := t.next.RoundTrip(req)
	t.route.m.upstream.Observe(since(begin))
	if t.health.record(err, probe, time.Now().UnixNano()) {
		t.server.log.WarnContext(req.Context(), "upstream marked down: requests get 502 without trying it",
			"route", t.route.name, "upstream", t.route.upstream.Host, "for", downFor.String(), "error", err)
	}
	return resp, err
}
