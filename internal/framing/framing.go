package framing

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
)

// Verdict is what a handler must do with the request Next was asked about.
type Verdict uint8

const (
	// Clean: serve the request as usual.
	Clean Verdict = iota
	// Last: serve it, then close the connection (send "Connection:
	// close"): what follows it on the connection is not watched.
	Last
	// Ambiguous: the request has both Content-Length and
	// Transfer-Encoding. Refuse it (400) with "Connection: close"; the
	// connection ends after it whatever the handler does.
	Ambiguous
)

// Listen returns ln with every accepted connection watched (see the
// package documentation). ln must yield plain-text HTTP/1.x connections:
// not TLS, whose bytes the scanner cannot read.
func Listen(ln net.Listener) net.Listener { return listener{ln} }

type listener struct{ net.Listener }

// Accept wraps the next connection.
func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &conn{Conn: c, scan: newScanner()}, nil
}

// Configure prepares srv to serve a listener from Listen: each request's
// context carries its connection, and a hijacked connection (a switched
// protocol) is no longer scanned. It also turns off net/http's own answer
// to "OPTIONS *" (srv.DisableGeneralOptionsHandler), so that every request
// reaches the handler and is counted by Next: the handler answers it (see
// ServeGlobalOptions). Hooks already set on srv keep running.
func Configure(srv *http.Server) {
	srv.DisableGeneralOptionsHandler = true
	connContext := srv.ConnContext
	srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if connContext != nil {
			ctx = connContext(ctx, c)
		}
		if fc, ok := c.(*conn); ok {
			ctx = context.WithValue(ctx, connKey{}, fc)
		}
		return ctx
	}
	connState := srv.ConnState
	srv.ConnState = func(c net.Conn, state http.ConnState) {
		if fc, ok := c.(*conn); ok && state == http.StateHijacked {
			fc.hijacked.Store(true)
		}
		if connState != nil {
			connState(c, state)
		}
	}
}

type connKey struct{}

// conn is a watched connection.
type conn struct {
	net.Conn
	scan     *scanner // used by Read only (net/http never reads concurrently)
	cut      bool     // the bytes after an ambiguous head are dropped
	hijacked atomic.Bool
	refused  atomic.Bool // Next has answered Ambiguous
	// Read publishes the scanner's results here for Next, which runs on
	// the connection's serving goroutine.
	ambiguousAt, stoppedAt atomic.Int64
	served                 int64 // requests Next was asked about
}

// Read reads from the connection and scans what it read. After an
// ambiguous head it delivers nothing more: once the handler has been told
// (Next), it reports the end of the stream; before that (net/http is
// still serving a request ahead of the ambiguous one, and reads only to
// notice a client leaving), it reads and drops what the client sends
// until net/http interrupts the read, since an early end of stream would
// cancel that request.
func (c *conn) Read(p []byte) (int, error) {
	if c.cut {
		for !c.refused.Load() {
			if _, err := c.Conn.Read(p); err != nil {
				return 0, err
			}
		}
		return 0, io.EOF
	}
	n, err := c.Conn.Read(p)
	if n > 0 && !c.hijacked.Load() && c.scan.state != stopped {
		keep, cut := c.scan.feed(p[:n])
		c.stoppedAt.Store(c.scan.stoppedAt + 1) // 0: not stopped
		if cut {
			c.ambiguousAt.Store(c.scan.ambiguousAt + 1)
			c.cut = true
			return keep, nil
		}
	}
	return n, err
}

// CloseWrite half-closes the connection, as net/http does before closing
// one it refused a request on.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// ReadFrom lets net/http's responses use the connection's own ReadFrom
// (sendfile for files).
func (c *conn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(c.Conn, r)
}

// Next returns the verdict for r, the next request on its connection. The
// handler calls it exactly once for every request it is given, in order.
//
// On a connection from Listen served by a Configure'd server, Next knows
// whether r's head had both framing fields (Ambiguous) and whether the
// scanner follows the connection past r (else Last). On any other
// connection it cannot see the head: it answers Last for an HTTP/1.x
// request whose framing a proxy in front could read otherwise (chunked,
// or HTTP/1.0 with a body), so that nothing is read after it.
func Next(r *http.Request) Verdict {
	c, ok := r.Context().Value(connKey{}).(*conn)
	if !ok {
		if r.ProtoMajor == 1 && (len(r.TransferEncoding) > 0 || (r.ProtoMinor == 0 && r.ContentLength != 0)) {
			return Last
		}
		return Clean
	}
	index := c.served
	c.served++
	switch stop := c.stoppedAt.Load() - 1; {
	case c.ambiguousAt.Load()-1 == index:
		c.refused.Store(true)
		return Ambiguous
	case stop >= 0 && stop <= index:
		return Last
	}
	return Clean
}

// ServeGlobalOptions answers "OPTIONS *" as net/http does when it answers
// it itself (see Configure): 200 with no body, reading at most 4 KiB of
// any request body.
func ServeGlobalOptions(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "0")
	if r.ContentLength != 0 {
		_, _ = io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 4<<10))
	}
}

// IsGlobalOptions reports whether r is "OPTIONS *".
func IsGlobalOptions(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.RequestURI == "*"
}
