package framing_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/framing"
)

// served is one request the handler got and the verdict Next gave it.
type served struct {
	path    string
	verdict framing.Verdict
}

// watchedServer serves a recording handler on a Listen listener, with
// Configure: the handler acts on Next as the gateway does.
func watchedServer(t *testing.T) (addr string, got func() []served) {
	t.Helper()
	var mu sync.Mutex
	var seen []served
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := framing.Next(r)
		mu.Lock()
		seen = append(seen, served{r.URL.Path, v})
		mu.Unlock()
		switch v {
		case framing.Ambiguous:
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusBadRequest)
			return
		case framing.Last:
			w.Header().Set("Connection", "close")
		}
		if framing.IsGlobalOptions(r) {
			framing.ServeGlobalOptions(w, r)
			return
		}
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %q", r.URL.Path, b)
	}))
	srv.Listener = framing.Listen(srv.Listener)
	framing.Configure(srv.Config)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), func() []served {
		mu.Lock()
		defer mu.Unlock()
		return append([]served(nil), seen...)
	}
}

// exchange writes stream to a new connection, in pieces of size bytes (0:
// at once), and returns the statuses of the responses read until the
// server closes the connection, and whether it did.
func exchange(t *testing.T, addr, stream string, size int) (statuses []int, closed bool) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		for rest := stream; rest != ""; {
			n := len(rest)
			if size > 0 && size < n {
				n = size
			}
			if _, err := io.WriteString(c, rest[:n]); err != nil {
				return
			}
			rest = rest[n:]
		}
	}()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	br := bufio.NewReader(c)
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return statuses, false
			}
			return statuses, true
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}
}

const smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"

// lookalike is a body that reads like an ambiguous head.
const lookalike = "POST /x HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"

// TestAmbiguousFraming drives a real net/http server through Listen with
// streams a front proxy and net/http could frame differently, and checks
// which requests the handler gets, with which verdict, and that nothing
// after an ambiguous or unwatched request is served.
func TestAmbiguousFraming(t *testing.T) {
	t.Parallel()
	const (
		C = framing.Clean
		L = framing.Last
		A = framing.Ambiguous
	)
	cases := []struct {
		name       string
		stream     string
		want       []served
		statuses   []int
		wantClosed bool
	}{
		{"CL.TE smuggling", "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 35\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
			[]served{{"/a", A}}, []int{400}, true},
		{"TE first, odd case", "POST /a HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\ncontent-LENGTH: 5\r\n\r\n0\r\n\r\n" + smuggled,
			[]served{{"/a", A}}, []int{400}, true},
		{"HTTP/1.0 keep-alive with both", "POST /a HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + smuggled,
			[]served{{"/a", A}}, []int{400}, true},
		{"ambiguous behind a clean pipelined request", "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
			[]served{{"/1", C}, {"/2", A}}, []int{200, 400}, true},
		{"clean pipelined requests with bodies", "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloPOST /3 HTTP/1.1\r\nHost: x\r\ncontent-length: 0\r\n\r\nGET /4 HTTP/1.1\r\nHost: x\r\nContent-Length:  2 \r\n\r\nabGET /5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			[]served{{"/1", C}, {"/2", C}, {"/3", C}, {"/4", C}, {"/5", C}}, []int{200, 200, 200, 200, 200}, true},
		{"a body that looks like an ambiguous head", "POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: " + fmt.Sprint(len(lookalike)) + "\r\n\r\n" + lookalike + "GET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			[]served{{"/1", C}, {"/2", C}}, []int{200, 200}, true},
		{"chunked is the connection's last", "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + smuggled,
			[]served{{"/c", L}}, []int{200}, true},
		{"HTTP/1.0 ignores Transfer-Encoding", "GET /1 HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			[]served{{"/1", C}, {"/2", C}}, []int{200, 200}, true},
		{"bare LF line ends", "POST /1 HTTP/1.1\nHost: x\nContent-Length: 2\nTransfer-Encoding: chunked\n\n0\n\n" + smuggled,
			[]served{{"/1", A}}, []int{400}, true},
		{"OPTIONS * is counted", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
			[]served{{"*", C}, {"/2", A}}, []int{200, 400}, true},
		{"differing lengths are refused by net/http", "POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab" + smuggled,
			nil, []int{400}, true},
		{"a folded length is refused by net/http", "POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n 2\r\n\r\nab" + smuggled,
			nil, []int{400}, true},
		{"long lines", "GET /" + strings.Repeat("a", 8000) + " HTTP/1.1\r\nHost: x\r\nCookie: " + strings.Repeat("c=1; ", 900) + "\r\nX-" + strings.Repeat("Long", 30) + ": 1\r\nContent-Length:                 3\r\n\r\nabcGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			[]served{{"/" + strings.Repeat("a", 8000), C}, {"/2", C}}, []int{200, 200}, true},
		{"a padded length line is not followed", "POST /1 HTTP/1.1\r\nHost: x\r\nContent-Length: " + strings.Repeat(" ", 60) + "3\r\n\r\nabc" + smuggled,
			[]served{{"/1", L}}, []int{200}, true},
		{"PRI is the connection's last", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
			[]served{{"*", L}}, []int{200}, true},
		{"keep-alive goes on", "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n",
			[]served{{"/1", C}}, []int{200}, false},
	}
	for _, tc := range cases {
		for _, size := range []int{0, 1, 7} {
			t.Run(fmt.Sprintf("%s/by %d", tc.name, size), func(t *testing.T) {
				t.Parallel()
				addr, got := watchedServer(t)
				statuses, closed := exchange(t, addr, tc.stream, size)
				if fmt.Sprint(statuses) != fmt.Sprint(tc.statuses) || closed != tc.wantClosed {
					t.Errorf("statuses %v, closed %v; want %v, %v", statuses, closed, tc.statuses, tc.wantClosed)
				}
				if g := got(); fmt.Sprint(g) != fmt.Sprint(tc.want) {
					t.Errorf("handler got %v, want %v", g, tc.want)
				}
			})
		}
	}
}

// TestUnwatchedConnections checks Next on connections that do not come
// from Listen: it cannot see the head, so it closes after what a proxy
// could frame otherwise.
func TestUnwatchedConnections(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		r    *http.Request
		want framing.Verdict
	}{
		{"plain GET", &http.Request{Method: "GET", ProtoMajor: 1, ProtoMinor: 1}, framing.Clean},
		{"chunked", &http.Request{Method: "POST", ProtoMajor: 1, ProtoMinor: 1, TransferEncoding: []string{"chunked"}, ContentLength: -1}, framing.Last},
		{"HTTP/1.0 with a body", &http.Request{Method: "POST", ProtoMajor: 1, ProtoMinor: 0, ContentLength: 3}, framing.Last},
		{"HTTP/1.1 with a length", &http.Request{Method: "POST", ProtoMajor: 1, ProtoMinor: 1, ContentLength: 3}, framing.Clean},
		{"HTTP/2", &http.Request{Method: "POST", ProtoMajor: 2, ContentLength: -1}, framing.Clean},
	} {
		if got := framing.Next(tc.r); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestHijackedConnectionsAreNotScanned switches a watched connection to
// another protocol, as a WebSocket does, and sends bytes that read like an
// ambiguous head: they belong to the new protocol and must pass intact.
func TestHijackedConnectionsAreNotScanned(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if framing.Next(r) != framing.Clean {
			t.Errorf("handshake verdict is not Clean")
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		io.Copy(conn, brw)
	}))
	srv.Listener = framing.Listen(srv.Listener)
	framing.Configure(srv.Config)
	srv.Start()
	t.Cleanup(srv.Close)

	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	payload := lookalike + "0\r\n\r\n" + smuggled
	io.WriteString(c, payload)
	echo := make([]byte, len(payload))
	if _, err := io.ReadFull(br, echo); err != nil || string(echo) != payload {
		t.Fatalf("echo %q, %v", echo, err)
	}
}
