package h1fast

import (
	"net/http"
	"strings"
	"testing"
)

// traefikHead is a forward-auth check as Traefik sends it.
const traefikHead = "GET /_gatehouse/authz/forward-auth HTTP/1.1\r\nHost: gatehouse:8080\r\n" +
	"User-Agent: Mozilla/5.0\r\nAccept: text/html\r\nAccept-Encoding: gzip\r\n" +
	"Cookie: __Host-gatehouse_session=0123456789abcdef0123456789abcdef0123456789a\r\n" +
	"X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Host: app.example.com\r\nX-Forwarded-Method: GET\r\n" +
	"X-Forwarded-Proto: https\r\nX-Forwarded-Uri: /dashboard?tab=1\r\n\r\n"

func BenchmarkFrontParse(b *testing.B) {
	buf := []byte(traefikHead)
	q := &request{header: make(http.Header)} // a connection's, reused
	b.ReportAllocs()
	for b.Loop() {
		if !parse(string(buf[:headEnd(buf)]), fastPath, q) {
			b.Fatal("refused")
		}
	}
}

func BenchmarkFrontResponse(b *testing.B) {
	w := &responseWriter{header: make(http.Header)}
	var out []byte
	assertion := strings.Repeat("x", 500)
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		h := w.Header()
		for _, k := range []string{"X-Auth-User", "X-Auth-Email", "X-Auth-Name", "X-Auth-Groups", "X-Auth-Methods", "X-Request-Id", "Cache-Control"} {
			h[k] = []string{"value"}
		}
		h["X-Auth-Assertion"] = []string{assertion}
		w.WriteHeader(http.StatusOK)
		out = w.appendResponse(out[:0], false)
	}
}
