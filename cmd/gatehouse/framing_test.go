package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestServeSmugglesNothing runs `serve` (its real listener) and sends, on
// raw connections, a request with both Content-Length and
// Transfer-Encoding followed by a request smuggled in its body: the first
// is served and its connection closed, so the upstream never sees the
// second. A chunked request is likewise the last on its connection.
func TestServeSmugglesNothing(t *testing.T) {
	var hits atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, "upstream")
	}))
	defer up.Close()

	addr, _ := startServe(t, func(addr, users, key string) string {
		return fmt.Sprintf(`server:
  listen: %q
  public_url: "http://127.0.0.1"
  admin_listen: ""
session:
  secure: false
users:
  file: %q
identity:
  signing_key_file: %q
routes:
  - name: app
    host: app.example.com
    upstream: %q
    policy: bypass
`, addr, users, key, up.URL)
	})

	smuggled := "GET /smuggled HTTP/1.1\r\nHost: app.example.com\r\n\r\n"
	for _, tc := range []struct {
		name, stream string
		status       int
		hits         int32
	}{
		{"CL.TE", "POST /a HTTP/1.1\r\nHost: app.example.com\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled, 200, 1},
		{"after a clean request", "GET /1 HTTP/1.1\r\nHost: app.example.com\r\n\r\nPOST /a HTTP/1.1\r\nHost: app.example.com\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + smuggled, 200, 2},
		{"chunked, last on its connection", "POST /c HTTP/1.1\r\nHost: app.example.com\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n" + smuggled, 200, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits.Store(0)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			io.WriteString(c, tc.stream)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			br := bufio.NewReader(c)
			var last *http.Response
			var body string
			for {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					var ne net.Error
					if errors.As(err, &ne) && ne.Timeout() {
						t.Fatalf("the connection stayed open after %v", last)
					}
					break // closed: nothing more is read from it
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				last, body = resp, string(b)
			}
			if last == nil || last.StatusCode != tc.status {
				t.Fatalf("last answer %v %q, want %d", last, body, tc.status)
			}
			if got := hits.Load(); got != tc.hits {
				t.Errorf("the upstream got %d requests, want %d (none of them the smuggled one)", got, tc.hits)
			}
		})
	}
}
