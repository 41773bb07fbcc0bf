package gateway_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawExchange writes stream on a new connection to addr and reads answers
// until the server closes the connection; it fails the test if the
// connection is still open after the last answer.
func rawExchange(t *testing.T, addr, stream string) []*http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, stream); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	var out []*http.Response
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the connection stayed open after %d answers", len(out))
			}
			return out
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(strings.NewReader(string(b)))
		out = append(out, resp)
	}
}

// TestDoubleFramedRequestSmugglesNothing sends, on raw connections, a
// request with both Content-Length and Transfer-Encoding whose body (as a
// front proxy framing by Content-Length would see it) hides a second
// request: the first is answered with Connection: close, the connection
// ends, and the hidden request never reaches the upstream; so too for an
// HTTP/1.0 request kept alive, whose Transfer-Encoding net/http ignores.
// A request framed once keeps its connection for the next one.
func TestDoubleFramedRequestSmugglesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	addr := h.srv.Listener.Addr().String()
	smuggled := fmt.Sprintf("GET /smuggled HTTP/1.1\r\nHost: %s\r\n\r\n", publicHost)
	smuggledClose := fmt.Sprintf("GET /smuggled HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", publicHost)
	for _, stream := range []string{
		fmt.Sprintf("POST /form HTTP/1.1\r\nHost: %s\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n%s", publicHost, smuggled),
		fmt.Sprintf("POST /form HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\nContent-Length: 50\r\n\r\n0\r\n\r\n%s", publicHost, smuggled),
		fmt.Sprintf("GET /first HTTP/1.1\r\nHost: %s\r\n\r\nPOST /form HTTP/1.1\r\nHost: %s\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n%s", publicHost, publicHost, smuggled),
		// HTTP/1.0 kept alive: net/http ignores (and hides) its
		// Transfer-Encoding and frames it by Content-Length, here the
		// chunk's size line, where a front proxy framing it by
		// Transfer-Encoding sends the smuggled request as its chunk.
		fmt.Sprintf("POST /form HTTP/1.0\r\nHost: %s\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", publicHost, len(smuggledClose), smuggledClose),
	} {
		before := h.up.count()
		answers := rawExchange(t, addr, stream)
		last := answers[len(answers)-1]
		if !last.Close || h.up.last(t).Path != "/form" {
			t.Fatalf("answers %v; the upstream's last request %s: want the double-framed request answered with Connection: close", answers, h.up.last(t).Path)
		}
		h.up.mu.Lock()
		for _, r := range h.up.reqs[before:] {
			if r.Path == "/smuggled" {
				t.Errorf("a request hidden behind a double-framed one reached the upstream")
			}
		}
		h.up.mu.Unlock()
	}

	// A request framed once is served, and the connection stays.
	answers := rawExchange(t, addr, fmt.Sprintf("POST /a HTTP/1.1\r\nHost: %s\r\nContent-Length: 2\r\n\r\nhiGET /b HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", publicHost, publicHost))
	if len(answers) != 2 || answers[0].StatusCode != http.StatusOK || answers[0].Close {
		t.Fatalf("answers %v, want two, the first keeping the connection", answers)
	}
	// So is an HTTP/1.0 request without a body that asks to be kept alive.
	answers = rawExchange(t, addr, fmt.Sprintf("GET /a HTTP/1.0\r\nHost: %s\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", publicHost, publicHost))
	if len(answers) != 2 || answers[0].StatusCode != http.StatusOK || answers[0].Close {
		t.Fatalf("answers %v, want two, the HTTP/1.0 one keeping the connection", answers)
	}
}
