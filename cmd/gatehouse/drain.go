package main

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// idleDrain is how long a shutdown leaves a keep-alive connection that is
// idle (or new, with no request read yet) before closing it: long enough
// for a request the client wrote before the listener closed, already in
// the socket's buffer, to be read and answered on a loaded machine.
const idleDrain = 250 * time.Millisecond

// drainer lets the main listener's connections finish before the process
// stops (docs/contract.md, "Graceful shutdown"). http.Server.Shutdown on
// its own loses requests under keep-alive load: it closes every
// connection it sees idle at once, including those whose next request is
// already in the socket, and once it has begun, a request read on a
// keep-alive connection is dropped without an answer. So the drain comes
// first: the listener closes, every response from then on carries
// Connection: close (the client opens a new connection for its next
// request, elsewhere), and an idle connection is closed only after
// idleDrain with nothing to read. Shutdown then finds nothing left
// except HTTP/2 connections, which it ends with GOAWAY.
type drainer struct {
	draining atomic.Bool
	changed  chan struct{} // a connection changed state (capacity 1)

	mu    sync.Mutex
	conns map[net.Conn]*connInfo
}

// connInfo is what the drain knows of one connection.
type connInfo struct {
	state http.ConnState
	// since is when it entered state, if that was after the drain began
	// (zero before: closeIdle counts from the drain's beginning).
	since  time.Time
	h2     bool // HTTP/2: Shutdown's GOAWAY ends it
	closed bool // the drain closed it
}

func newDrainer() *drainer {
	return &drainer{changed: make(chan struct{}, 1), conns: map[net.Conn]*connInfo{}}
}

// connState is the server's ConnState hook. It runs twice a request on
// a keep-alive connection, so it reads the clock and wakes the drain
// only while draining: a state entered before the drain began counts
// from its beginning. draining is read under mu, so a change that the
// drain's closeIdle did not see wakes it.
func (d *drainer) connState(c net.Conn, s http.ConnState) {
	d.mu.Lock()
	draining := d.draining.Load()
	switch s {
	case http.StateClosed, http.StateHijacked:
		delete(d.conns, c)
	default:
		ci := d.conns[c]
		if ci == nil {
			ci = &connInfo{}
			d.conns[c] = ci
		}
		ci.state, ci.since = s, time.Time{}
		if draining {
			ci.since = time.Now()
		}
		if tc, ok := c.(*tls.Conn); ok && s != http.StateNew {
			// Past StateNew the handshake is over: this does not block.
			ci.h2 = tc.ConnectionState().NegotiatedProtocol == "h2"
		}
	}
	d.mu.Unlock()
	if !draining {
		return
	}
	select {
	case d.changed <- struct{}{}:
	default:
	}
}

// handler makes h answer with Connection: close while draining (protocol
// upgrades excepted: their connection is handed over).
func (d *drainer) handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.draining.Load() && r.Header.Get("Upgrade") == "" {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}

// drain closes ln and waits until every HTTP/1 connection has answered
// what it was sent and closed, closing those idle for idleDrain. It
// reports false when ctx ended first.
func (d *drainer) drain(ctx context.Context, ln net.Listener) bool {
	// Marked first, then timed: a state entered before begin, its time
	// not read (connState), is idle since begin.
	d.draining.Store(true)
	begin := time.Now()
	_ = ln.Close()
	timer := time.NewTimer(idleDrain)
	defer timer.Stop()
	for {
		left, next := d.closeIdle(begin)
		if left == 0 {
			return true
		}
		if next > 0 {
			timer.Reset(next)
		}
		select {
		case <-ctx.Done():
			return false
		case <-d.changed:
		case <-timer.C:
		}
	}
}

// closeIdle closes the HTTP/1 connections idle for idleDrain since the
// drain began at begin, and returns how many HTTP/1 connections are left
// and when the next idle one is due (0: none is idle).
func (d *drainer) closeIdle(begin time.Time) (left int, next time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	for c, ci := range d.conns {
		if ci.h2 {
			continue
		}
		left++
		if ci.closed || (ci.state != http.StateIdle && ci.state != http.StateNew) {
			continue
		}
		due := idleDrain - now.Sub(later(ci.since, begin))
		if due <= 0 {
			ci.closed = true
			_ = c.Close()
			continue
		}
		if next == 0 || due < next {
			next = due
		}
	}
	return left, next
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// onceCloseListener is a listener whose Close may be called more than
// once (the drain, then Shutdown); only the first closes.
type onceCloseListener struct {
	net.Listener
	once sync.Once
	err  error
}

// Close closes the listener the first time; later calls return nil.
func (l *onceCloseListener) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}
