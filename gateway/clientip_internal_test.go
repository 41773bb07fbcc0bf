package gateway

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestForwardedForCostsNoCopyPerAddress: the client address of a request
// from a trusted proxy is read from X-Forwarded-For, which the client
// writes too (a front door appends to what it got). gin's ClientIP split
// the whole header into a slice of strings first: a 60 KB header of
// commas made every refused forward-auth question (its access log line
// reads the address) allocate about 1 MB, 16 times what was sent, so a
// few clients kept the collector busy for everyone. The address is read
// from the end of the header, allocating nothing per address.
func TestForwardedForCostsNoCopyPerAddress(t *testing.T) {
	h := newHotServer(t, hotSetup{log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	handler := h.srv.Handler()
	const header = 60 << 10
	req := forwardAuthRequest(h.srv, "")
	req.Header.Del("Cookie")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Forwarded-For", strings.Repeat(",", header-len("203.0.113.7"))+"203.0.113.7")
	const runs = 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range runs {
		w := &discardWriter{h: http.Header{}}
		handler.ServeHTTP(w, req)
		if w.code != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", w.code)
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > header {
		t.Fatalf("a refused check with a %d-byte X-Forwarded-For allocated %d bytes, want less than the header", header, per)
	}
}

// TestClientIPIsGins: the gateway's reading of the client address is
// gin's ClientIP, for every shape of X-Forwarded-For and peer.
func TestClientIPIsGins(t *testing.T) {
	h := newHotServer(t, hotSetup{})
	e, err := h.srv.newEngine()
	if err != nil {
		t.Fatal(err)
	}
	for _, peer := range []string{"127.0.0.1:41000", "192.0.2.9:1", "203.0.113.7:41000", "[::1]:80", "[::ffff:127.0.0.1]:5", "[fe80::1%eth0]:5", "bogus"} {
		for _, xff := range [][]string{
			nil, {""}, {"", ""}, {"198.51.100.1"}, {" 198.51.100.1 "}, {"198.51.100.1, 127.0.0.1"},
			{"198.51.100.1,192.0.2.5,127.0.0.1"}, {"127.0.0.1,192.0.2.5"}, {"198.51.100.1", "127.0.0.1"},
			{"198.51.100.1,", "127.0.0.1"}, {"junk,127.0.0.1"}, {"198.51.100.1,junk"}, {",,,"},
			{"2001:db8::1, ::1"}, {"fe80::1%eth0,127.0.0.1"}, {"::ffff:198.51.100.1"}, {"::ffff:127.0.0.1,127.0.0.1"},
			{"127.0.0.1"}, {"127.0.0.1", "192.0.2.5"}, {"1.2.3.4", "", "127.0.0.1"}, {"01.2.3.4"},
		} {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = peer
			if xff != nil {
				req.Header["X-Forwarded-For"] = xff
			}
			c := gin.CreateTestContextOnly(httptest.NewRecorder(), e)
			c.Request = req
			if got, want := h.srv.clientIP(c), c.ClientIP(); got != want {
				t.Errorf("peer %s, X-Forwarded-For %q: %q, gin says %q", peer, xff, got, want)
			}
		}
	}
}
