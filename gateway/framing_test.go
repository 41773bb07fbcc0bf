package gateway_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/framing"
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
	io.WriteString(c, stream)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
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

// TestAmbiguousFramingRefused sends, on a raw connection to the gateway
// served as cmd/gatehouse serves it (internal/framing's listener), a
// request with both Content-Length and Transfer-Encoding whose body hides
// a second request: 400 bad_request, the connection closes, and the
// upstream gets neither.
func TestAmbiguousFramingRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := httptest.NewUnstartedServer(h.gw.Handler())
	srv.Listener = framing.Listen(srv.Listener)
	framing.Configure(srv.Config)
	srv.Start()
	t.Cleanup(srv.Close)

	smuggled := fmt.Sprintf("GET /smuggled HTTP/1.1\r\nHost: %s\r\n\r\n", publicHost)
	for _, stream := range []string{
		fmt.Sprintf("POST /form HTTP/1.1\r\nHost: %s\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n%s", publicHost, smuggled),
		fmt.Sprintf("POST /form HTTP/1.0\r\nHost: %s\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n%s", publicHost, smuggled),
	} {
		answers := rawExchange(t, srv.Listener.Addr().String(), stream)
		if len(answers) != 1 || answers[0].StatusCode != http.StatusBadRequest || !answers[0].Close {
			t.Fatalf("answers %v, want one 400 with Connection: close", answers)
		}
		body, _ := io.ReadAll(answers[0].Body)
		r := reply{status: answers[0].StatusCode, header: answers[0].Header, body: body}
		r.wantError(t, http.StatusBadRequest, "bad_request")
		if n := h.up.count(); n != 0 {
			t.Fatalf("the upstream got %d requests", n)
		}
	}

	// A request that is framed once is served, and the connection stays.
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /a HTTP/1.1\r\nHost: %s\r\nContent-Length: 2\r\n\r\nhiGET /b HTTP/1.1\r\nHost: %s\r\n\r\n", publicHost, publicHost)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	for _, path := range []string{"/a", "/b"} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != http.StatusOK || resp.Close {
			t.Fatalf("%s: %v %v", path, resp, err)
		}
		io.Copy(io.Discard, resp.Body)
	}
}

// TestChunkedRequestIsLastOnConnection checks the gateway's handler on a
// plain net/http server, which cannot see a Content-Length net/http
// dropped: a chunked request is served and its connection closed, so
// nothing after its body is read as a request.
func TestChunkedRequestIsLastOnConnection(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	stream := fmt.Sprintf("POST /form HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: %s\r\n\r\n", publicHost, publicHost)
	answers := rawExchange(t, h.srv.Listener.Addr().String(), stream)
	if len(answers) != 1 || answers[0].StatusCode != http.StatusOK || !answers[0].Close {
		t.Fatalf("answers %v, want one 200 with Connection: close", answers)
	}
	if got := h.up.last(t); got.Path != "/form" || h.up.count() != 1 {
		t.Fatalf("the upstream got %d requests, the last %s", h.up.count(), got.Path)
	}
}
