package h1fast

import (
	"bufio"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func fastPath(p string) bool { return p == "/_fast" || p == "/_gatehouse/authz/forward-auth" }

// checkAgainstNetHTTP fails t unless net/http reads head as the same
// request parse returned.
func checkAgainstNetHTTP(t *testing.T, head string, q *request) {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head)))
	if err != nil {
		t.Fatalf("front accepted a head net/http refuses (%v):\n%q", err, head)
	}
	switch {
	case r.Method != http.MethodGet || r.ProtoMajor != 1 || r.ProtoMinor != 1:
		t.Errorf("net/http reads %s HTTP/%d.%d", r.Method, r.ProtoMajor, r.ProtoMinor)
	case r.URL.Path != q.path || r.URL.RawQuery != q.query || r.RequestURI != q.target:
		t.Errorf("target: net/http %q %q %q, front %q %q %q", r.URL.Path, r.URL.RawQuery, r.RequestURI, q.path, q.query, q.target)
	case r.Host != q.host:
		t.Errorf("host: net/http %q, front %q", r.Host, q.host)
	case r.Close != q.close:
		t.Errorf("close: net/http %v, front %v", r.Close, q.close)
	case r.ContentLength != 0 || len(r.TransferEncoding) != 0:
		t.Errorf("net/http sees a body (length %d, encoding %v)", r.ContentLength, r.TransferEncoding)
	case !maps.EqualFunc(r.Header, q.header, slices.Equal[[]string]):
		t.Errorf("headers differ:\nnet/http %v\nfront    %v", r.Header, q.header)
	}
}

func TestParse(t *testing.T) {
	accepted := []string{
		"GET /_fast HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /_fast?x=1&y=%2F HTTP/1.1\r\nHost: a.example:8080\r\nX-Forwarded-Uri: /dashboard?tab=1\r\n\r\n",
		"GET /_gatehouse/authz/forward-auth HTTP/1.1\r\nhost: a\r\nx-forwarded-for: 1.2.3.4\r\nCOOKIE: a=1\r\ncookie: b=2\r\n\r\n",
		"GET /_fast HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
		"GET /_fast HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive\r\n\r\n",
		"GET /_fast HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Spaced:   v  \t\r\nX-Utf8: caf\xc3\xa9\r\n\r\n",
		"GET /_fast HTTP/1.1\r\nHost: a\r\nX_Under_Score: 1\r\n\r\n",
	}
	for _, head := range accepted {
		q, ok := parseFresh(head)
		if !ok {
			t.Errorf("front refused a plain request:\n%q", head)
			continue
		}
		checkAgainstNetHTTP(t, head, q)
	}

	refused := map[string]string{
		"other path":               "GET /other HTTP/1.1\r\nHost: a\r\n\r\n",
		"prefix of a fast path":    "GET /_fast/x HTTP/1.1\r\nHost: a\r\n\r\n",
		"escaped path":             "GET /_f%61st HTTP/1.1\r\nHost: a\r\n\r\n",
		"escaped slash":            "GET /_gatehouse%2Fauthz/forward-auth HTTP/1.1\r\nHost: a\r\n\r\n",
		"absolute form":            "GET http://a/_fast HTTP/1.1\r\nHost: a\r\n\r\n",
		"fragment":                 "GET /_fast#x HTTP/1.1\r\nHost: a\r\n\r\n",
		"POST":                     "POST /_fast HTTP/1.1\r\nHost: a\r\n\r\n",
		"HEAD":                     "HEAD /_fast HTTP/1.1\r\nHost: a\r\n\r\n",
		"lower-case method":        "get /_fast HTTP/1.1\r\nHost: a\r\n\r\n",
		"HTTP/1.0":                 "GET /_fast HTTP/1.0\r\nHost: a\r\n\r\n",
		"HTTP/2 preface":           "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		"two spaces":               "GET  /_fast HTTP/1.1\r\nHost: a\r\n\r\n",
		"tab in target":            "GET /_fast?\tx HTTP/1.1\r\nHost: a\r\n\r\n",
		"no Host":                  "GET /_fast HTTP/1.1\r\nX: y\r\n\r\n",
		"no headers":               "GET /_fast HTTP/1.1\r\n\r\n",
		"two Hosts":                "GET /_fast HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"bad Host":                 "GET /_fast HTTP/1.1\r\nHost: a b\r\n\r\n",
		"Content-Length":           "GET /_fast HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
		"content-length lowercase": "GET /_fast HTTP/1.1\r\nHost: a\r\ncontent-length: 5\r\n\r\n",
		"Transfer-Encoding":        "GET /_fast HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
		"smuggling pair":           "GET /_fast HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n",
		"Expect":                   "GET /_fast HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
		"Upgrade":                  "GET /_fast HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
		"Connection token":         "GET /_fast HTTP/1.1\r\nHost: a\r\nConnection: X-Auth-User\r\n\r\n",
		"folded header":            "GET /_fast HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n",
		"space before colon":       "GET /_fast HTTP/1.1\r\nHost : a\r\n\r\n",
		"no colon":                 "GET /_fast HTTP/1.1\r\nHost: a\r\nX-Broken\r\n\r\n",
		"NUL in value":             "GET /_fast HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n",
		"CR in value":              "GET /_fast HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n",
		"bare LF inside":           "GET /_fast HTTP/1.1\r\nHost: a\nX: b\r\n\r\n",
		"bad name":                 "GET /_fast HTTP/1.1\r\nHost: a\r\nX(y): b\r\n\r\n",
	}
	for name, head := range refused {
		if q, ok := parseFresh(head); ok {
			t.Errorf("%s: front would answer %q as %+v", name, head, q)
		}
	}
}

func TestHeadEnd(t *testing.T) {
	for _, tc := range []struct {
		buf  string
		want int
	}{
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 27},
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n", 27},
		{"GET / HTTP/1.1\r\nHost: a\r\n", 0},
		{"GET / HTTP/1.1\r\nHost: a\r\n\r", 0},
		{"GET / HTTP/1.1\r\nHost: a\r", 0},
		{"", 0},
		{"GET / HTTP/1.1\nHost: a\n\n", -1},
		{"GET / HTTP/1.1\r\nHost: a\r\n\n", -1},
	} {
		if got := headEnd([]byte(tc.buf)); got != tc.want {
			t.Errorf("headEnd(%q) = %d, want %d", tc.buf, got, tc.want)
		}
	}
}

// dirtyHead is parsed before each fuzz input, into the same request.
const dirtyHead = "GET /_fast?stale=1 HTTP/1.1\r\nHost: stale\r\nCookie: stale=1\r\nCookie: again\r\n" +
	"X-Forwarded-Uri: /stale\r\nX-A: 1\r\nX-B: 2\r\nX-C: 3\r\nConnection: close\r\n\r\n"

// FuzzParse holds the front's parser to net/http's: whatever head the
// front accepts, net/http must read as the same bodiless GET with the
// same target, host, headers and Connection: close, even when parsed into
// a request reused from an earlier one.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"GET /_fast HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /_fast?x=1 HTTP/1.1\r\nHost: a:1\r\nCookie: a=1\r\ncookie: b\r\nConnection: close, keep-alive\r\n\r\n",
		"GET /_gatehouse/authz/forward-auth HTTP/1.1\r\nHost: [::1]:80\r\nX-Forwarded-Uri: /x\r\n\r\n",
		"GET /_fast HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, head string) {
		end := headEnd([]byte(head))
		if end <= 0 {
			return
		}
		head = head[:end]
		// Into a request that already served one, as on a connection:
		// nothing of the earlier request may show through.
		q, _ := parseFresh(dirtyHead)
		if !parse(head, fastPath, q) {
			return
		}
		checkAgainstNetHTTP(t, head, q)
	})
}

// parseFresh parses head into a new request, as a new connection does.
func parseFresh(head string) (*request, bool) {
	q := &request{header: make(http.Header)}
	ok := parse(head, fastPath, q)
	return q, ok
}

// TestParseReusesWithoutLeaks parses a second head into the request of
// the first, as the next request of a connection does: nothing of the
// first may remain.
func TestParseReusesWithoutLeaks(t *testing.T) {
	q := &request{header: make(http.Header)}
	first := "GET /_fast?a=1 HTTP/1.1\r\nHost: one\r\nCookie: s=1\r\nX-Forwarded-Uri: /secret\r\nConnection: close\r\n\r\n"
	second := "GET /_fast HTTP/1.1\r\nHost: two\r\nCookie: s=2\r\n\r\n"
	if !parse(first, fastPath, q) || !parse(second, fastPath, q) {
		t.Fatal("refused")
	}
	checkAgainstNetHTTP(t, second, q)
}
