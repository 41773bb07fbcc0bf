package h1fast

import (
	"bytes"
	"net/http"
	"net/textproto"
	"slices"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// request is a parsed head the front may answer.
type request struct {
	target string // path[?query], as sent
	path   string
	query  string
	host   string
	header http.Header
	close  bool // Connection: close
	// values backs the header's values; header and values are reused
	// for each request of a connection.
	values []string
}

// headEnd returns the length of the head at the start of buf (request
// line, header lines and the empty line), 0 when buf holds no complete
// head yet, or -1 when the head ends with a bare LF empty line, which
// only net/http's lenient reader accepts.
func headEnd(buf []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(buf[i:], '\n')
		if j < 0 {
			return 0
		}
		i += j + 1
		switch {
		case i < len(buf) && buf[i] == '\n':
			return -1
		case i+1 < len(buf) && buf[i] == '\r' && buf[i+1] == '\n':
			return i + 2
		case i+1 >= len(buf):
			return 0
		}
	}
}

// parse parses head, the text of a complete head ending in CRLF CRLF, and
// reports whether the front may answer it: see the package comment for
// what qualifies. Header keys and values are substrings of head.
func parse(head string, fast func(string) bool, q *request) bool {
	line, rest, ok := strings.Cut(head, "\r\n")
	if !ok {
		return false
	}
	target, ok := strings.CutPrefix(line, "GET ")
	if !ok {
		return false
	}
	target, ok = strings.CutSuffix(target, " HTTP/1.1")
	if !ok || target == "" || target[0] != '/' {
		return false
	}
	for i := 0; i < len(target); i++ {
		// Printable ASCII without '#' and without the space: no escapes
		// to interpret differently, nothing net/http would refuse.
		if c := target[i]; c <= ' ' || c >= 0x7f || c == '#' {
			return false
		}
	}
	h, values := q.header, q.values[:0]
	clear(h)
	*q = request{target: target, path: target, header: h}
	if p, query, found := strings.Cut(target, "?"); found {
		q.path, q.query = p, query
	}
	if strings.IndexByte(q.path, '%') >= 0 || !fast(q.path) {
		return false
	}

	// Header lines: count them first, so that their values share one
	// backing array, as net/textproto does.
	n := strings.Count(rest, "\n") - 1
	if n < 1 {
		return false // no Host
	}
	values = slices.Grow(values, n)[:n]
	q.values = values
	hosts := 0
	for i := 0; ; i++ {
		line, rest, _ = strings.Cut(rest, "\r\n")
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !httpguts.ValidHeaderFieldName(name) ||
			strings.IndexByte(line, '\r') >= 0 || strings.IndexByte(line, '\n') >= 0 {
			return false // also: a folded line (leading space), a bare CR or LF
		}
		value = textproto.TrimString(value)
		if !httpguts.ValidHeaderFieldValue(value) {
			return false
		}
		key := textproto.CanonicalMIMEHeaderKey(name)
		switch key {
		case "Host":
			if hosts++; hosts > 1 || !httpguts.ValidHostHeader(value) {
				return false
			}
			q.host = value
			continue // net/http moves Host out of the header map
		case "Content-Length", "Transfer-Encoding", "Expect", "Upgrade", "Te", "Trailer":
			return false
		case "Connection":
			for tok := range strings.SplitSeq(value, ",") {
				switch strings.ToLower(textproto.TrimString(tok)) {
				case "close":
					q.close = true
				case "keep-alive", "":
				default:
					return false
				}
			}
		}
		values[i] = value
		if vv, seen := q.header[key]; seen {
			q.header[key] = append(vv, value)
		} else {
			q.header[key] = values[i : i+1 : i+1]
		}
	}
	if hosts != 1 {
		return false
	}
	return true
}
