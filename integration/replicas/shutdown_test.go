package replicas

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// exchange is one request a load connection wrote and what came back.
type exchange struct {
	written  time.Time // when its last byte was written
	status   int       // 0: no answer
	closeHdr bool      // the answer said Connection: close
	err      error     // why there was no answer
}

// loadConn sends requests back to back on one keep-alive connection at a
// time, opening a new connection when the gateway closes one, until stop
// is closed, and records every request fully written.
func loadConn(p *proc, id int, stop <-chan struct{}, out chan<- exchange) {
	n := 0
	for {
		select {
		case <-stop:
			return
		default:
		}
		conn, err := net.DialTimeout("tcp", p.listen, time.Second)
		if err != nil {
			continue // refused while draining: like wrk, try again at once

		}
		br := bufio.NewReader(conn)
		for open := true; open; {
			select {
			case <-stop:
				conn.Close()
				return
			default:
			}
			n++
			path := fmt.Sprintf("/public/load/%d/%d", id, n)
			if n%8 == 0 {
				path += "?ms=60" // some are in the app when SIGTERM comes
			}
			req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: gatehouse.test\r\nAccept: application/json\r\n\r\n", path)
			_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
			if _, err := io.WriteString(conn, req); err != nil {
				break // not fully written: not a request the gateway owes an answer
			}
			ex := exchange{written: time.Now()}
			resp, err := http.ReadResponse(br, nil)
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			if err != nil {
				ex.err = err
				open = false
			} else {
				ex.status, ex.closeHdr = resp.StatusCode, resp.Close
				open = !resp.Close
			}
			out <- ex
		}
		conn.Close()
	}
}

// idleConn opens a keep-alive connection, sends one request and returns
// the connection, idle.
func idleConn(t *testing.T, p *proc) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", p.listen, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	if _, err := io.WriteString(conn, "GET /public/idle HTTP/1.1\r\nHost: gatehouse.test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("idle connection's request: %d close=%v", resp.StatusCode, resp.Close)
	}
	return conn
}

// hangUpLogins posts a login every 200 ms, as the probe of issue 20 did,
// and hangs up 30 ms later, during the password hash, until stop is
// closed: hashes nobody waits for are under way in the hash worker when
// the gateway stops.
func hangUpLogins(p *proc, stop <-chan struct{}) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-time.After(200 * time.Millisecond):
		}
		conn, err := net.DialTimeout("tcp", p.listen, time.Second)
		if err != nil {
			continue
		}
		body := fmt.Sprintf(`{"username":"nobody-%d","password":"not-the-password"}`, i)
		_, _ = fmt.Fprintf(conn, "POST /_gatehouse/api/login HTTP/1.1\r\nHost: gatehouse.test\r\nX-Forwarded-For: 198.51.100.%d\r\n"+
			"Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: %d\r\n\r\n%s", i%250+1, len(body), body)
		time.Sleep(30 * time.Millisecond)
		conn.Close()
	}
}

// logTime returns the time of the first log line with msg.
func logTime(t *testing.T, p *proc, msg string) time.Time {
	t.Helper()
	l := p.waitLog(t, msg, time.Second)
	s, _ := l["time"].(string)
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("log time %q of %q: %v", s, msg, err)
	}
	return at
}

// maxExitAfterStopped bounds the time from the `stopped` log line to the
// process's exit, on a loaded 2-core machine (a clean exit takes a few
// milliseconds).
const maxExitAfterStopped = 300 * time.Millisecond

// TestGracefulShutdownUnderLoad SIGTERMs a gateway while many keep-alive
// connections send requests back to back (docs/contract.md, "Graceful
// shutdown"): every request fully written before the listener closed is
// answered (200; Connection: close once draining), none gets a reset or
// an EOF instead; idle keep-alive connections are closed cleanly (FIN,
// no stray bytes); and the process exits promptly after logging
// `stopped`.
//
// It does not run in parallel: its load takes both cores, which would
// upset the timing of the other tests.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	w := newWorld(t, redisConfig{addrs: []string{testredis.Start(t)}})
	w.shutdown = 5 * time.Second
	p := w.start(t, "a")

	idle := make([]net.Conn, 8)
	for i := range idle {
		idle[i] = idleConn(t, p)
		defer idle[i].Close()
	}
	stop := make(chan struct{})
	out := make(chan exchange, 1024)
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() { loadConn(p, i, stop, out) })
	}
	wg.Go(func() { hangUpLogins(p, stop) })
	var got []exchange
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for ex := range out {
			got = append(got, ex)
		}
	}()

	// Idle connections must end with a clean FIN: EOF, no bytes.
	idleEnd := make(chan error, len(idle))
	for _, c := range idle {
		go func() {
			_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
			b := make([]byte, 512)
			n, err := c.Read(b)
			switch {
			case n > 0:
				idleEnd <- fmt.Errorf("idle connection got %q", b[:n])
			case errors.Is(err, io.EOF):
				idleEnd <- nil
			default:
				idleEnd <- fmt.Errorf("idle connection ended with %w, want a clean close (EOF)", err)
			}
		}()
	}

	time.Sleep(700 * time.Millisecond) // under load
	p.signal(syscall.SIGTERM)
	code, exited := p.waitExit(10 * time.Second)
	exitAt := time.Now()
	close(stop)
	wg.Wait()
	close(out)
	<-collected
	if !exited {
		t.Fatalf("no exit within 10s of SIGTERM\n%s", p.Tail(30))
	}
	if code != 0 {
		t.Errorf("exit code %d, want 0\n%s", code, p.Tail(30))
	}

	closing := logTime(t, p, "shutting down: no new connections, finishing requests in flight")
	stopped := logTime(t, p, "stopped")
	var before, after, unanswered, lateUnanswered, closes int
	for _, ex := range got {
		early := ex.written.Before(closing)
		if early {
			before++
		} else {
			after++
		}
		if ex.closeHdr {
			closes++
		}
		switch {
		case ex.status == 0 && early:
			unanswered++
			if unanswered <= 5 {
				t.Errorf("a request written %v before the listener closed got no answer: %v",
					closing.Sub(ex.written).Round(time.Microsecond), ex.err)
			}
		case ex.status == 0:
			lateUnanswered++
		case ex.status != http.StatusOK:
			t.Errorf("a request got %d, want 200", ex.status)
		}
	}
	if unanswered > 0 {
		t.Errorf("%d of %d requests written before the listener closed got no answer", unanswered, before)
	}
	if lateUnanswered > 0 {
		// Written after the listener closed, on a connection the gateway
		// had not said it would close: a busy connection is never idle
		// long enough for the drain to close it under a request.
		t.Errorf("%d of %d requests written while draining got no answer", lateUnanswered, after)
	}
	if before < 200 {
		t.Errorf("only %d requests before SIGTERM: not under load", before)
	}
	t.Logf("%d requests before the listener closed, %d after (%d of those unanswered); %d answers with Connection: close",
		before, after, lateUnanswered, closes)

	for range idle {
		select {
		case err := <-idleEnd:
			if err != nil {
				t.Error(err)
			}
		case <-time.After(time.Second):
			t.Error("an idle keep-alive connection was still open a second after the exit")
		}
	}

	lag := exitAt.Sub(stopped)
	t.Logf("exit %v after `stopped`, %v after `shutting down`", lag.Round(time.Millisecond), exitAt.Sub(closing).Round(time.Millisecond))
	if lag > maxExitAfterStopped {
		t.Errorf("exit %v after `stopped` was logged, want at most %v", lag.Round(time.Millisecond), maxExitAfterStopped)
	}
}
