package frontdoor_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"net/http"
	"testing"
	"time"
)

// checkBodies sends a signed-in POST and PUT with 400 KB bodies through
// the front door: the front door asks Gatehouse with a bodiless request,
// so the body must still reach the app whole, with a length (POST) and
// chunked (PUT).
func checkBodies(t *testing.T, w *world, b *browser) {
	body := make([]byte, 400<<10)
	if _, err := rand.Read(body); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	for _, tc := range []struct {
		method  string
		chunked bool
	}{
		{http.MethodPost, false},
		{http.MethodPut, true},
	} {
		var r io.Reader = bytes.NewReader(body)
		if tc.chunked {
			r = io.MultiReader(r) // no length known: the client sends it chunked
		}
		req, err := http.NewRequest(tc.method, w.appURL+"/deals/upload?id=7", r)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("Accept", "application/json")
		before := w.app.count()
		b.do(req).wantStatus(t, http.StatusOK)
		if n := w.app.count() - before; n != 1 {
			t.Fatalf("%s: %d requests reached the app, want 1", tc.method, n)
		}
		got := w.app.last(t)
		if got.Method != tc.method || got.Path != "/deals/upload" || got.BodyLen != int64(len(body)) || got.BodySum != sum {
			t.Errorf("%s (chunked %v): the app got %s %s with %d bytes (sha256 match %v), want %d bytes intact",
				tc.method, tc.chunked, got.Method, got.Path, got.BodyLen, got.BodySum == sum, len(body))
		}
		if u := identityValues(got.Header)["X-Auth-User"]; len(u) != 1 || u[0] != alice.name {
			t.Errorf("%s: the app got X-Auth-User %q", tc.method, u)
		}
	}
}

// checkBareLFChunks sends a chunked body whose chunk-size lines end in a
// bare LF (RFC 9112 requires CRLF; a front door that reads them
// differently from the next hop is a request-smuggling ingredient) to a
// bypassed path. The front door may refuse it, before or while streaming
// it to the app (the app then sees the request start and a body that
// fails to read, never a complete one), or accept it and re-frame it: the
// app then gets exactly the body, whole. Never a second request. It logs
// which.
func checkBareLFChunks(t *testing.T, w *world) {
	before := w.app.count()
	a := w.rawTLS(t, "app.example.com", "POST /public/bare-lf HTTP/1.1\r\nHost: app.example.com:"+w.port+
		"\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"+
		"\r\n5\nhello\r\n6\n world\r\n0\n\r\n")
	// A front door that gives up mid-body answers before the app has
	// finished reading (or even received) the request: let it land.
	time.Sleep(500 * time.Millisecond)
	w.app.mu.Lock()
	reached := append([]seen(nil), w.app.reqs[before:]...)
	w.app.mu.Unlock()
	if len(reached) > 1 {
		t.Fatalf("%d requests reached the app from one", len(reached))
	}
	want := sha256.Sum256([]byte("hello world"))
	switch {
	case a.status == http.StatusOK && len(reached) == 1:
		if got := reached[0]; got.Path != "/public/bare-lf" || got.BodyErr != nil || got.BodyLen != 11 || got.BodySum != want {
			t.Errorf("200, and the app got %s %s with %d bytes (%v), want the 11 bytes \"hello world\"", got.Method, got.Path, got.BodyLen, got.BodyErr)
		}
		t.Logf("%s accepts chunk-size lines ending in a bare LF, and re-frames the body for the app", w.name)
	case a.status >= 400 && len(reached) == 0:
		t.Logf("%s refuses chunk-size lines ending in a bare LF (%d) before the app sees the request", w.name, a.status)
	case a.status >= 400:
		if got := reached[0]; got.BodyErr == nil {
			t.Errorf("%d, but the app read a complete body of %d bytes", a.status, got.BodyLen)
		}
		t.Logf("%s refuses chunk-size lines ending in a bare LF (%d) while streaming: the app saw the request start, and its body fail after %d bytes",
			w.name, a.status, reached[0].BodyLen)
	default:
		t.Errorf("%d, and %d requests reached the app", a.status, len(reached))
	}
}
