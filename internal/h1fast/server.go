package h1fast

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpguts"
)

// bufSize is the read buffer of a connection: a head that does not fit
// goes to net/http.
const bufSize = 4 << 10

// Front serves a listener: it answers qualifying requests itself and
// passes every other connection on through its own Accept, for an
// http.Server to serve. Build it with New.
type Front struct {
	handler http.Handler
	fast    func(path string) bool
	log     *slog.Logger
	// Timeouts as in http.Server; zero means none.
	readHeader, write, idle time.Duration

	inner   net.Listener
	handoff chan net.Conn
	done    chan struct{} // closed by Close
	closing sync.Once
	acceptE error // set before done is closed when the inner listener fails

	mu     sync.Mutex
	conns  map[*conn]bool // → idle (waiting for a request)
	active atomic.Int64   // requests being answered

	answered, handedOff atomic.Int64
}

// Stats counts what a front has done.
type Stats struct {
	Answered  int64 // requests answered by the front
	HandedOff int64 // connections passed to net/http
}

// Stats returns the front's counts so far.
func (f *Front) Stats() Stats {
	return Stats{Answered: f.answered.Load(), HandedOff: f.handedOff.Load()}
}

// Config configures a Front.
type Config struct {
	// Handler answers the requests the front takes (the same handler the
	// http.Server has). It must not keep the request, its URL or its
	// Header after it returns: the connection reuses them.
	Handler http.Handler
	// Fast reports whether GET requests for path (exactly as sent, never
	// with escapes) may be answered by the front.
	Fast func(path string) bool
	// The http.Server's timeouts, with its fallbacks: a zero
	// ReadHeaderTimeout or IdleTimeout means ReadTimeout. The front
	// refreshes its idle and write deadlines when less than half of them
	// is left, so a request may get between half of and the whole
	// timeout.
	ReadTimeout, ReadHeaderTimeout, WriteTimeout, IdleTimeout time.Duration
	// Log receives handler panics; nil discards them.
	Log *slog.Logger
}

// New returns a front over ln and starts accepting its connections. Serve
// the front with an http.Server (server.Serve(front)); closing the front,
// which the server does on Shutdown and Close, closes ln.
func New(ln net.Listener, cfg Config) *Front {
	f := &Front{
		handler:    cfg.Handler,
		fast:       cfg.Fast,
		log:        cfg.Log,
		readHeader: cmp.Or(cfg.ReadHeaderTimeout, cfg.ReadTimeout),
		write:      cfg.WriteTimeout,
		idle:       cmp.Or(cfg.IdleTimeout, cfg.ReadTimeout),
		inner:      ln,
		handoff:    make(chan net.Conn),
		done:       make(chan struct{}),
		conns:      make(map[*conn]bool),
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	go f.acceptLoop()
	return f
}

// Accept returns the next connection for net/http.
func (f *Front) Accept() (net.Conn, error) {
	select {
	case c := <-f.handoff:
		return c, nil
	case <-f.done:
		if f.acceptE != nil {
			return nil, f.acceptE
		}
		return nil, net.ErrClosed
	}
}

// Addr is the inner listener's address.
func (f *Front) Addr() net.Addr { return f.inner.Addr() }

// Close stops accepting, closes the connections waiting for a request and
// makes the others close after the request they are answering.
func (f *Front) Close() error {
	err := net.ErrClosed
	f.closing.Do(func() {
		err = f.inner.Close()
		close(f.done)
		f.mu.Lock()
		for c, idle := range f.conns {
			if idle {
				c.nc.Close()
			}
		}
		f.mu.Unlock()
	})
	return err
}

// Wait blocks until the requests the front is answering are done, or ctx
// ends.
func (f *Front) Wait(ctx context.Context) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for f.active.Load() > 0 {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// acceptLoop accepts connections until the listener is closed. Other
// accept errors (out of file descriptors, for one) are retried with a
// growing pause, as net/http does, so the front recovers when they pass.
func (f *Front) acceptLoop() {
	var pause time.Duration
	for {
		nc, err := f.inner.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				f.closing.Do(func() {
					f.acceptE = err
					close(f.done)
				})
				return
			}
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			f.log.Warn("h1fast: accept error; retrying", "error", err, "in", pause.String())
			select {
			case <-time.After(pause):
			case <-f.done:
				return
			}
			continue
		}
		pause = 0
		go f.serve(nc)
	}
}

// conn is one connection the front is serving.
type conn struct {
	f      *Front
	nc     net.Conn
	br     *bufio.Reader
	ctx    context.Context
	remote string
	w      responseWriter
	out    []byte
	// The request being answered, reused for each request of the
	// connection (see the package comment: handlers must not keep it).
	q    request
	req  http.Request
	url  url.URL
	base http.Request // no fields but the connection's context
	// Deadlines currently set on nc (zero: none).
	readBy, writeBy time.Time
}

// serve answers requests on nc until one does not qualify (then nc goes
// to net/http), the client leaves, or the front closes.
func (f *Front) serve(nc net.Conn) {
	c := &conn{f: f, nc: nc, br: bufio.NewReaderSize(nc, bufSize), remote: nc.RemoteAddr().String()}
	c.w.header = make(http.Header, 8)
	c.q.header = make(http.Header, 16)
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), http.LocalAddrContextKey, nc.LocalAddr()))
	defer cancel()
	c.ctx = ctx
	c.base = *(&http.Request{}).WithContext(ctx)
	defer f.untrack(c)
	for {
		if !f.track(c, true) {
			nc.Close()
			return
		}
		c.refreshRead(f.idle)
		if _, err := c.br.Peek(1); err != nil {
			nc.Close()
			return
		}
		if !f.track(c, false) {
			nc.Close()
			return
		}
		q, n, ok := c.head()
		if !ok {
			f.active.Add(-1)
			f.untrack(c)
			if n < 0 {
				nc.Close()
			} else {
				c.handOff()
			}
			return
		}
		keep := c.answer(q, n)
		f.active.Add(-1)
		f.answered.Add(1)
		if !keep {
			nc.Close()
			return
		}
	}
}

// track records c as idle or busy (busy counts as an active request);
// false when the front is closing and c should close instead.
func (f *Front) track(c *conn, idle bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.done:
		return false
	default:
	}
	f.conns[c] = idle
	if !idle {
		f.active.Add(1)
	}
	return true
}

func (f *Front) untrack(c *conn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
}

// head reads the head of the request that has begun to arrive. It
// returns the request and the head's length when the front may answer
// it; otherwise ok is false and n is 0 (hand the connection to net/http)
// or -1 (close it: the client left or timed out).
func (c *conn) head() (q *request, n int, ok bool) {
	for waited := false; ; {
		buf, _ := c.br.Peek(c.br.Buffered())
		switch end := headEnd(buf); {
		case end > 0:
			ok := parse(string(buf[:end]), c.f.fast, &c.q)
			return &c.q, end, ok
		case end < 0 || len(buf) == bufSize:
			return nil, 0, false
		}
		if !waited {
			// The head came in pieces: from here on it gets the
			// header timeout, as in net/http.
			waited = true
			c.setRead(c.f.readHeader)
		}
		if _, err := c.br.Peek(len(buf) + 1); err != nil {
			if len(buf) > 0 && !isTimeout(err) {
				return nil, 0, false // let net/http answer what it can
			}
			return nil, -1, false
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// refreshRead makes sure the read deadline is at least d/2 away, setting
// it to d from now when it is not (no deadline when d is 0).
func (c *conn) refreshRead(d time.Duration) {
	if d <= 0 {
		if !c.readBy.IsZero() {
			c.readBy = time.Time{}
			_ = c.nc.SetReadDeadline(c.readBy)
		}
		return
	}
	now := time.Now()
	if c.readBy.Sub(now) < d/2 {
		c.readBy = now.Add(d)
		_ = c.nc.SetReadDeadline(c.readBy)
	}
}

// setRead sets the read deadline to d from now (none when d is 0).
func (c *conn) setRead(d time.Duration) {
	c.readBy = time.Time{}
	if d > 0 {
		c.readBy = time.Now().Add(d)
	}
	_ = c.nc.SetReadDeadline(c.readBy)
}

// refreshWrite is refreshRead for the write deadline.
func (c *conn) refreshWrite(d time.Duration) {
	if d <= 0 {
		return
	}
	now := time.Now()
	if c.writeBy.Sub(now) < d/2 {
		c.writeBy = now.Add(d)
		_ = c.nc.SetWriteDeadline(c.writeBy)
	}
}

// handOff gives the connection, with what has been read of it and not
// consumed, to net/http.
func (c *conn) handOff() {
	_ = c.nc.SetDeadline(time.Time{})
	pc := &prefixConn{Conn: c.nc, r: c.br}
	select {
	case c.f.handoff <- pc:
		c.f.handedOff.Add(1)
	case <-c.f.done:
		c.nc.Close()
	}
}

// prefixConn reads what was buffered before reading the connection.
type prefixConn struct {
	net.Conn
	r *bufio.Reader
}

// CloseWrite half-closes the connection, as net/http does before closing
// one it refused a request on.
func (p *prefixConn) CloseWrite() error {
	if cw, ok := p.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// ReadFrom lets net/http's responses use the connection's own ReadFrom
// (sendfile for files).
func (p *prefixConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := p.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(p.Conn, r)
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if p.r.Buffered() == 0 {
		return p.Conn.Read(b)
	}
	return p.r.Read(b)
}

// answer runs the handler on q (whose head is n bytes long) and writes
// the response. It reports whether the connection stays open.
func (c *conn) answer(q *request, n int) (keep bool) {
	c.url = url.URL{Path: q.path, RawQuery: q.query}
	r := &c.req
	*r = c.base // the context
	r.Method = http.MethodGet
	r.URL = &c.url
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.1", 1, 1
	r.Header = q.header
	r.Body = http.NoBody
	r.Host = q.host
	r.RemoteAddr = c.remote
	r.RequestURI = q.target
	r.Close = q.close
	_, _ = c.br.Discard(n)

	w := &c.w
	w.reset()
	if !c.run(w, r) {
		return false
	}
	closing := q.close || httpguts.HeaderValuesContainsToken(w.header["Connection"], "close")
	select {
	case <-c.f.done:
		closing = true
	default:
	}
	c.out = w.appendResponse(c.out[:0], closing)
	c.refreshWrite(c.f.write)
	if _, err := c.nc.Write(c.out); err != nil {
		return false
	}
	if cap(c.out) > 64<<10 {
		c.out = nil // a rare large answer: do not keep its buffer
	}
	return !closing
}

// run calls the handler, recovering a panic as net/http does: logged
// (unless it is http.ErrAbortHandler) and the connection closed.
func (c *conn) run(w *responseWriter, r *http.Request) (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			ok = false
			if v == http.ErrAbortHandler {
				return
			}
			buf := make([]byte, 64<<10)
			buf = buf[:runtime.Stack(buf, false)]
			c.f.log.Error("http: panic serving "+c.remote, "panic", fmt.Sprint(v), "stack", string(buf))
		}
	}()
	c.f.handler.ServeHTTP(w, r)
	return true
}
