package gateway

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// TestMultipartBodyCostsLessThanItsSize: a multipart body posted to a
// portal form (the most parts net/http reads, 1000, in about 55 KB) is
// refused without being parsed, so it costs less memory than it is
// long. Before, gin's PostForm parsed it for the CSRF check: about
// 2 MB a request, 40 times what was sent (docs/contract.md, "Request
// bodies").
func TestMultipartBodyCostsLessThanItsSize(t *testing.T) {
	h := newHotServer(t, hotSetup{log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	handler := h.srv.Handler()
	var b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&b, "--b\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nx\r\n", i)
	}
	b.WriteString("--b--\r\n")
	body := b.String()
	for _, path := range []string{"/_gatehouse/login", "/_gatehouse/signup", "/_gatehouse/api/login"} {
		const runs = 20
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		code := 0
		for range runs {
			r := httptest.NewRequest(http.MethodPost, "https://auth.example.com"+path, strings.NewReader(body))
			r.Header.Set("Content-Type", "multipart/form-data; boundary=b")
			w := &discardWriter{h: http.Header{}}
			handler.ServeHTTP(w, r)
			code = w.code
		}
		runtime.ReadMemStats(&after)
		if code != http.StatusUnsupportedMediaType {
			t.Errorf("%s: status %d, want 415", path, code)
		}
		if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > uint64(len(body)) {
			t.Errorf("%s: a %d-byte multipart body cost %d bytes, want less than its size", path, len(body), per)
		}
	}
}
