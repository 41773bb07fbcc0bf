package h1fast

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// echo is the handler both servers run in the differential tests: it
// reports what it was given and answers as the query asks.
func echo(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Method", r.Method)
	h.Set("X-Path", r.URL.Path)
	h.Set("X-Query", r.URL.RawQuery)
	h.Set("X-Host", r.Host)
	h.Set("X-Uri", r.RequestURI)
	h.Set("X-Close", fmt.Sprint(r.Close))
	h.Set("X-Proto", r.Proto)
	h.Set("X-Local", fmt.Sprint(r.Context().Value(http.LocalAddrContextKey) != nil))
	var lines []string
	for k, vv := range r.Header {
		lines = append(lines, k+"="+strings.Join(vv, "|"))
	}
	slices.Sort(lines)
	h.Set("X-Headers", strings.Join(lines, "; "))
	body, _ := io.ReadAll(r.Body)
	h.Set("X-Body", string(body))
	switch r.URL.Query().Get("do") {
	case "json401":
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"unauthorized"}`)
	case "redirect":
		h.Set("Location", r.URL.Query().Get("to"))
		w.WriteHeader(http.StatusFound)
	case "sniff":
		io.WriteString(w, "<html><body>hi</body></html>")
	case "204":
		w.WriteHeader(http.StatusNoContent)
	case "304":
		w.WriteHeader(http.StatusNotModified)
	case "599":
		w.WriteHeader(599)
	case "badname":
		h["Bad Name"] = []string{"x"}
		h["X-Two"] = []string{"a", "b"}
	case "close":
		h.Set("Connection", "close")
	case "panic":
		panic("boom")
	case "abort":
		panic(http.ErrAbortHandler)
	case "big":
		w.Write([]byte(strings.Repeat("0123456789abcdef", 8<<10)))
	case "date":
		h.Set("Date", "Thu, 01 Jan 1970 00:00:00 GMT")
	}
}

const (
	testIdle       = 3 * time.Second
	testReadHeader = 500 * time.Millisecond
)

// startPair serves h with a plain http.Server and with a front in front
// of one; it returns their addresses and the front.
func startPair(t *testing.T, h http.Handler) (plain, fronted string, f *Front) {
	t.Helper()
	quiet := newQuietLog()
	ln1, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s1 := &http.Server{Handler: h, ReadHeaderTimeout: testReadHeader, IdleTimeout: testIdle, ErrorLog: quiet}
	go s1.Serve(ln1)
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f = New(ln2, Config{Handler: h, Fast: fastPath, ReadHeaderTimeout: testReadHeader, IdleTimeout: testIdle})
	s2 := &http.Server{Handler: h, ReadHeaderTimeout: testReadHeader, IdleTimeout: testIdle, ErrorLog: quiet}
	go s2.Serve(f)
	t.Cleanup(func() { s1.Close(); s2.Close() })
	return ln1.Addr().String(), ln2.Addr().String(), f
}

var dateLine = regexp.MustCompile(`(?m)^Date: [^\r]*\r$`)

// exchange sends raw on a new connection and returns what came back
// (Date values masked) followed by <EOF> if the server closed the
// connection, or <open> if it kept it open for idle.
func exchange(t *testing.T, addr, raw string, idle time.Duration) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	var out []byte
	buf := make([]byte, 64<<10)
	end := "<open>"
	for {
		c.SetReadDeadline(time.Now().Add(idle))
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				end = "<EOF>"
			}
			break
		}
	}
	return dateLine.ReplaceAllString(string(out), "Date: <date>\r") + end
}

const fastGet = "GET /_fast HTTP/1.1\r\nHost: gate.example\r\n"

// TestFrontAnswersLikeNetHTTP sends the same bytes to net/http alone and
// to the front and wants the same bytes back, and the same connection
// fate, for requests the front answers and for those it hands over.
func TestFrontAnswersLikeNetHTTP(t *testing.T) {
	// The first group is answered by the front (TestFrontAnswersWithout-
	// NetHTTP shows it does), the second handed to net/http.
	plain, fronted, _ := startPair(t, http.HandlerFunc(echo))
	cases := map[string]struct {
		raw string
		// semantic: compare status, headers but framing ones, and
		// bodies, not bytes (net/http chunks a large body, the front
		// sends its length).
		semantic bool
	}{
		"plain check":        {fastGet + "\r\n", false},
		"traefik check":      {"GET /_gatehouse/authz/forward-auth HTTP/1.1\r\nHost: auth:9091\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: app.example\r\nX-Forwarded-Uri: /dashboard?tab=1\r\nX-Forwarded-Method: GET\r\nX-Forwarded-For: 203.0.113.7\r\nCookie: s=abc\r\nAccept-Encoding: gzip\r\n\r\n", false},
		"odd names, repeats": {"GET /_fast?a=1&b=%2F HTTP/1.1\r\nhost: gate.example\r\nx-forwarded-uri: /x\r\nCOOKIE: a=1\r\ncookie: b=2\r\nX_Under: y\r\nX-Empty:\r\n\r\n", false},
		"connection close":   {fastGet + "Connection: close\r\n\r\n", false},
		"three pipelined":    {strings.Repeat(fastGet+"\r\n", 3), false},
		"json 401":           {"GET /_fast?do=json401 HTTP/1.1\r\nHost: a\r\n\r\n", false},
		"header injection":   {"GET /_fast?do=redirect&to=/x%0d%0aSet-Cookie:%20evil=1%0aX:%20y HTTP/1.1\r\nHost: a\r\n\r\n", false},
		"sniffed type":       {"GET /_fast?do=sniff HTTP/1.1\r\nHost: a\r\n\r\n", false},
		"204":                {"GET /_fast?do=204 HTTP/1.1\r\nHost: a\r\n\r\n", false},
		"304":                {"GET /_fast?do=304 HTTP/1.1\r\nHost: a\r\n\r\n", false},
		"unknown status":     {"GET /_fast?do=599 HTTP/1.1\r\nHost: a\r\n\r\n", false},
		"invalid name":       {"GET /_fast?do=badname HTTP/1.1\r\nHost: a\r\n\r\n", false},
		"handler closes":     {"GET /_fast?do=close HTTP/1.1\r\nHost: a\r\n\r\n" + fastGet + "\r\n", false},
		"handler panics":     {"GET /_fast?do=panic HTTP/1.1\r\nHost: a\r\n\r\n", false},
		"handler aborts":     {"GET /_fast?do=abort HTTP/1.1\r\nHost: a\r\n\r\n", false},
		"big body":           {"GET /_fast?do=big HTTP/1.1\r\nHost: a\r\n\r\n" + fastGet + "\r\n", true},
		"handler's date":     {"GET /_fast?do=date HTTP/1.1\r\nHost: a\r\n\r\n", false},

		"fast then POST":      {fastGet + "\r\nPOST /_fast HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" + fastGet + "\r\n", false},
		"fast then HEAD":      {fastGet + "\r\nHEAD /_fast HTTP/1.1\r\nHost: a\r\n\r\n", false},
		"other path":          {"GET /other HTTP/1.1\r\nHost: a\r\n\r\n", false},
		"POST with body":      {"POST /_fast HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", false},
		"GET with body":       {"GET /_fast HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" + fastGet + "\r\n", false},
		"CL and TE":           {"GET /_fast HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /other HTTP/1.1\r\nHost: a\r\n\r\n", false},
		"chunked GET":         {"GET /_fast HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", false},
		"HTTP/1.0":            {"GET /_fast HTTP/1.0\r\nHost: a\r\n\r\n", false},
		"HTTP/1.0 keep-alive": {"GET /_fast HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n", false},
		"no Host":             {"GET /_fast HTTP/1.1\r\nX: y\r\n\r\n", false},
		"two Hosts":           {"GET /_fast HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", false},
		"folded header":       {"GET /_fast HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", false},
		"bare LF":             {"GET /_fast HTTP/1.1\nHost: a\n\n", false},
		"space before colon":  {"GET /_fast HTTP/1.1\r\nHost : a\r\n\r\n", false},
		"escaped path":        {"GET /_f%61st HTTP/1.1\r\nHost: a\r\n\r\n", false},
		"absolute form":       {"GET http://a/_fast HTTP/1.1\r\nHost: a\r\n\r\n", false},
		"expect continue":     {"GET /_fast HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", false},
		"upgrade":             {"GET /_fast HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n", false},
		"head over 4 KiB":     {fastGet + "Cookie: " + strings.Repeat("c", 5000) + "\r\n\r\n", false},
		"head over the limit": {fastGet + strings.Repeat("X-Big: "+strings.Repeat("b", 1000)+"\r\n", 1100) + "\r\n", false},
		"garbage":             {"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + strings.Repeat("\x00", 20), false},
		"request line only":   {"GET /_fast HTTP/1.1\r\n\r\n", false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := exchange(t, plain, tc.raw, 300*time.Millisecond)
			got := exchange(t, fronted, tc.raw, 300*time.Millisecond)
			if tc.semantic {
				want, got = semantic(t, want), semantic(t, got)
			}
			if got != want {
				t.Errorf("front answered\n%q\nnet/http answered\n%q", got, want)
			}
		})
	}
}

// semantic rewrites the responses in out (as exchange returns them) to
// their status, headers but Content-Length and Transfer-Encoding, and
// bodies, keeping the connection's fate.
func semantic(t *testing.T, out string) string {
	t.Helper()
	i := strings.LastIndex(out, "<")
	br := bufio.NewReader(strings.NewReader(out[:i]))
	var b strings.Builder
	for {
		if _, err := br.Peek(1); err != nil {
			break
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("unreadable response: %v", err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("unreadable body: %v", err)
		}
		resp.Header.Del("Content-Length")
		fmt.Fprintf(&b, "%s\n", resp.Status)
		resp.Header.Write(&b)
		fmt.Fprintf(&b, "%d bytes %x\n", len(body), sha256.Sum256(body))
	}
	return b.String() + out[i:]
}

// quietLog swallows http.Server's error log (the panic test's stack).
func newQuietLog() *log.Logger { return log.New(io.Discard, "", 0) }

func TestFrontAnswersWithoutNetHTTP(t *testing.T) {
	var served atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.Context().Value(http.ServerContextKey) != nil {
			w.Header().Set("X-Via", "net/http")
		} else {
			w.Header().Set("X-Via", "front")
		}
	})
	_, fronted, _ := startPair(t, h)
	got := exchange(t, fronted, strings.Repeat(fastGet+"\r\n", 2)+"GET /other HTTP/1.1\r\nHost: a\r\n\r\n", 300*time.Millisecond)
	if n := strings.Count(got, "X-Via: front"); n != 2 {
		t.Errorf("front answered %d of the 2 checks:\n%s", n, got)
	}
	if n := strings.Count(got, "X-Via: net/http"); n != 1 {
		t.Errorf("net/http answered %d of the 1 other request:\n%s", n, got)
	}
}

func TestFrontTimeouts(t *testing.T) {
	_, fronted, _ := startPair(t, http.HandlerFunc(echo))
	t.Run("a head that never ends is cut at the header timeout", func(t *testing.T) {
		start := time.Now()
		got := exchange(t, fronted, "GET /_fast HTTP/1.1\r\nHost: a\r\nX-Slow: ", testIdle+2*time.Second)
		if !strings.HasSuffix(got, "<EOF>") {
			t.Fatalf("connection still open: %q", got)
		}
		if took := time.Since(start); took > testIdle {
			t.Errorf("closed after %s; the header timeout is %s", took, testReadHeader)
		}
	})
	t.Run("an idle connection is closed at the idle timeout", func(t *testing.T) {
		start := time.Now()
		got := exchange(t, fronted, fastGet+"\r\n", 3*testIdle)
		if !strings.HasSuffix(got, "<EOF>") || !strings.Contains(got, "200 OK") {
			t.Fatalf("got %q", got)
		}
		if took := time.Since(start); took < testIdle/2 || took > testIdle+2*time.Second {
			t.Errorf("closed after %s; the idle timeout is %s", took, testIdle)
		}
	})
}

func TestFrontClose(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("slow") != "" {
			<-release
		}
	})
	f := New(ln, Config{Handler: h, Fast: fastPath, IdleTimeout: time.Minute})
	srv := &http.Server{Handler: h}
	go srv.Serve(f)
	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	fmt.Fprint(idle, fastGet+"\r\n")
	busy, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	fmt.Fprint(busy, "GET /_fast?slow=1 HTTP/1.1\r\nHost: a\r\n\r\n")
	time.Sleep(200 * time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// The idle connection is closed at once (after its one answer).
	idle.SetReadDeadline(time.Now().Add(3 * time.Second))
	if b, err := io.ReadAll(idle); !strings.Contains(string(b), "200 OK") || err != nil {
		t.Errorf("idle connection: %q, %v; want its answer, then EOF", b, err)
	}
	// The busy one finishes its request, told to close, and Wait waits.
	waited := make(chan error, 1)
	go func() { waited <- f.Wait(ctx) }()
	select {
	case err := <-waited:
		t.Fatalf("Wait returned %v while a request was running", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	busy.SetReadDeadline(time.Now().Add(3 * time.Second))
	b, err := io.ReadAll(busy)
	if err != nil || !strings.Contains(string(b), "200 OK") || !strings.Contains(string(b), "Connection: close") {
		t.Errorf("busy connection: %q, %v; want its answer with Connection: close, then EOF", b, err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("the listener still accepts after Shutdown")
	}
}

func TestTimeoutFallbacks(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := New(ln, Config{Handler: http.NotFoundHandler(), Fast: fastPath, ReadTimeout: 7 * time.Second, WriteTimeout: time.Second})
	defer f.Close()
	// As in net/http: no header or idle timeout means the read timeout.
	if f.readHeader != 7*time.Second || f.idle != 7*time.Second || f.write != time.Second {
		t.Errorf("header %s, idle %s, write %s; want 7s, 7s, 1s", f.readHeader, f.idle, f.write)
	}
}

// flakyListener fails its first Accept calls with a non-closed error, as
// a listener out of file descriptors does.
type flakyListener struct {
	net.Listener
	fails atomic.Int64
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if l.fails.Add(-1) >= 0 {
		return nil, errors.New("accept: too many open files")
	}
	return l.Listener.Accept()
}

func TestFrontSurvivesAcceptErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := &flakyListener{Listener: ln}
	fl.fails.Store(3)
	f := New(fl, Config{Handler: http.HandlerFunc(echo), Fast: fastPath, IdleTimeout: time.Second})
	srv := &http.Server{Handler: http.HandlerFunc(echo)}
	go srv.Serve(f)
	defer srv.Close()
	if got := exchange(t, ln.Addr().String(), fastGet+"Connection: close\r\n\r\n", 5*time.Second); !strings.Contains(got, "200 OK") {
		t.Fatalf("after accept errors the front answered %q", got)
	}
}
