package h1fast

import (
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpguts"
)

// responseWriter collects the handler's response; it is reused for each
// request of its connection.
type responseWriter struct {
	header http.Header
	status int
	body   []byte
	keys   []string
}

func (w *responseWriter) reset() {
	clear(w.header)
	w.status = 0
	w.body = w.body[:0]
}

// Header returns the response header map.
func (w *responseWriter) Header() http.Header { return w.header }

// WriteHeader records the status; informational codes are ignored.
func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
}

// Write buffers body bytes.
func (w *responseWriter) Write(b []byte) (int, error) {
	if err := w.startBody(); err != nil {
		return 0, err
	}
	w.body = append(w.body, b...)
	return len(b), nil
}

// WriteString buffers body bytes.
func (w *responseWriter) WriteString(s string) (int, error) {
	if err := w.startBody(); err != nil {
		return 0, err
	}
	w.body = append(w.body, s...)
	return len(s), nil
}

// startBody settles the status (200 if none was written) and refuses a
// body for statuses that have none, as net/http does.
func (w *responseWriter) startBody() error {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !bodyAllowed(w.status) {
		return http.ErrBodyNotAllowed
	}
	return nil
}

// Flush does nothing: the response goes out whole when the handler
// returns.
func (w *responseWriter) Flush() {}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// appendResponse appends the response to b as net/http would write it:
// status line, the handler's headers sorted by name (invalid names
// dropped, line breaks in values turned to spaces), then what net/http
// adds in its order: Date, Content-Length, a Content-Type sniffed from a
// body without one, Connection: close when closing; then the body.
func (w *responseWriter) appendResponse(b []byte, closing bool) []byte {
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	if text := http.StatusText(status); text != "" {
		b = append(b, text...)
	} else {
		b = append(b, "status code "...)
		b = strconv.AppendInt(b, int64(status), 10)
	}
	b = append(b, "\r\n"...)

	h := w.header
	_, haveType := h["Content-Type"]
	_, haveDate := h["Date"]
	_, haveConn := h["Connection"]
	w.keys = w.keys[:0]
	for k := range h {
		if k != "Content-Length" && k != "Transfer-Encoding" { // the front frames the body itself
			w.keys = append(w.keys, k)
		}
	}
	slices.Sort(w.keys)
	for _, k := range w.keys {
		if !httpguts.ValidHeaderFieldName(k) {
			continue
		}
		for _, v := range h[k] {
			if strings.IndexByte(v, '\n') >= 0 || strings.IndexByte(v, '\r') >= 0 {
				v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
			}
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, textproto.TrimString(v)...)
			b = append(b, "\r\n"...)
		}
	}
	// Then what net/http adds, in its order.
	if !haveDate {
		b = append(b, "Date: "...)
		b = appendDate(b)
		b = append(b, "\r\n"...)
	}
	allowed := bodyAllowed(status)
	if allowed {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(w.body)), 10)
		b = append(b, "\r\n"...)
	}
	if !haveType && len(w.body) > 0 && allowed {
		b = append(b, "Content-Type: "...)
		b = append(b, http.DetectContentType(w.body)...)
		b = append(b, "\r\n"...)
	}
	if closing && !haveConn {
		b = append(b, "Connection: close\r\n"...)
	}
	b = append(b, "\r\n"...)
	if allowed {
		b = append(b, w.body...)
	}
	return b
}

// dateCache holds the Date header value for the current second.
var dateCache atomic.Pointer[dateEntry]

type dateEntry struct {
	sec  int64
	text []byte
}

// appendDate appends the current time in HTTP date format.
func appendDate(b []byte) []byte {
	now := time.Now()
	if e := dateCache.Load(); e != nil && e.sec == now.Unix() {
		return append(b, e.text...)
	}
	e := &dateEntry{sec: now.Unix(), text: now.UTC().AppendFormat(nil, http.TimeFormat)}
	dateCache.Store(e)
	return append(b, e.text...)
}
