package framing

import (
	"bytes"
	"math"
)

// keepLine is how much of a header line the scanner keeps: enough for
// "Transfer-Encoding:" or "Content-Length:" and a length of up to 20
// digits, with some blanks. A Content-Length or Transfer-Encoding line
// longer than that ends the watch; other lines only need their name's
// start. So a connection's scanner never grows.
const keepLine = 64

// scanner states.
const (
	inHead  = iota // reading the lines of a head
	inBody         // skipping a body framed by Content-Length
	stopped        // no longer following the connection
)

// Which framing field the previous header line was, to catch a folded
// (obs-fold) continuation of it, which net/http would join to its value.
const (
	fieldOther = iota
	fieldLength
	fieldEncoding
)

// scanner follows the request heads of one HTTP/1.x connection as bytes
// arrive, framing bodies as net/http does (http.ReadRequest): by
// Transfer-Encoding when the version is 1.1 or later, else by
// Content-Length, else empty.
type scanner struct {
	state     int
	remaining int64 // body bytes left to skip (inBody)
	heads     int64 // heads completed before the current one

	// The current header line: its first keepLine bytes, and whether it
	// had more.
	line [keepLine]byte
	n    int
	long bool

	// The request line: its spaces, and what follows the second one (the
	// version, as http.ReadRequest cuts it), up to a byte more than a
	// version with its CR.
	spaces   int
	proto    [len("HTTP/1.1\r") + 1]byte
	protoLen int

	// The current head.
	started  bool // its request line has been read
	minor    int  // HTTP/1.minor
	unsure   bool // something the scanner does not follow exactly
	last     int  // field of the previous header line
	lengths  int  // Content-Length lines
	length   [20]byte
	lenLen   int  // bytes of length in use: the first value, trimmed
	encoding bool // a Transfer-Encoding line

	// Results, for the head whose index is given (-1: none yet).
	ambiguousAt int64 // the head with both fields: the stream ends after it
	stoppedAt   int64 // the head after which the scanner stopped
}

func newScanner() *scanner {
	return &scanner{ambiguousAt: -1, stoppedAt: -1}
}

// feed scans p, the next bytes of the connection, and returns how many of
// them may be delivered: all of them, or, when a head with both framing
// fields ends in p, only those up to the end of that head (cut is then
// true, and nothing after it may be delivered).
func (s *scanner) feed(p []byte) (n int, cut bool) {
	for i := 0; i < len(p); {
		switch s.state {
		case stopped:
			return len(p), false
		case inBody:
			skip := int64(len(p) - i)
			if skip > s.remaining {
				skip = s.remaining
			}
			i += int(skip)
			if s.remaining -= skip; s.remaining == 0 {
				s.state = inHead
			}
		default:
			j := bytes.IndexByte(p[i:], '\n')
			if j < 0 {
				s.keep(p[i:])
				return len(p), false
			}
			s.keep(p[i : i+j])
			i += j + 1
			if s.endLine() && s.endHead() {
				return i, true
			}
		}
	}
	return len(p), false
}

// keep adds b to the current line: the request line is reduced to its
// spaces and version as it comes, a header line to its first keepLine
// bytes.
func (s *scanner) keep(b []byte) {
	if !s.started {
		for _, c := range b {
			switch {
			case c == ' ':
				s.spaces++
			case s.spaces == 2 && s.protoLen < len(s.proto):
				s.proto[s.protoLen] = c
				s.protoLen++
			}
		}
		return
	}
	if room := len(s.line) - s.n; len(b) > room {
		b = b[:room]
		s.long = true
	}
	s.n += copy(s.line[s.n:], b)
}

// endLine handles the line just completed (its "\n" consumed) and reports
// whether it was the empty line that ends the head.
func (s *scanner) endLine() (headDone bool) {
	if !s.started {
		s.started = true
		s.requestLine()
		return false
	}
	line, long := s.line[:s.n], s.long
	s.n, s.long = 0, false
	// bufio.Reader.ReadLine, under textproto, drops "\n" and one "\r".
	if !long && len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	switch {
	case len(line) == 0:
		return true
	case line[0] == ' ' || line[0] == '\t':
		// A folded line: net/http joins it to the previous value.
		if s.last != fieldOther {
			s.unsure = true
		}
		return false
	}
	s.last = fieldOther
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		// A name longer than what is kept (not a framing field), or no
		// colon at all (net/http refuses the head).
		return false
	}
	switch name := line[:colon]; {
	case equalFold(name, "content-length"):
		s.last = fieldLength
		s.contentLength(line[colon+1:], long)
	case equalFold(name, "transfer-encoding"):
		s.last = fieldEncoding
		s.encoding = true
	}
	return false
}

// requestLine checks the version of the request line just read, "METHOD
// SP TARGET SP VERSION" cut at its first two spaces as http.ReadRequest
// cuts it.
func (s *scanner) requestLine() {
	proto := s.proto[:s.protoLen]
	if len(proto) > 0 && proto[len(proto)-1] == '\r' {
		proto = proto[:len(proto)-1]
	}
	major, minor, ok := parseVersion(proto)
	if s.spaces != 2 || !ok || major != 1 {
		// net/http refuses it, or switches protocols ("PRI * HTTP/2.0")
		// and closes after it.
		s.unsure = true
		return
	}
	s.minor = minor
}

// contentLength records a Content-Length value as net/http reads it:
// trimmed, decimal digits within 63 bits, and every line the same text.
func (s *scanner) contentLength(v []byte, long bool) {
	v = trim(v)
	s.lengths++
	switch {
	case long || len(v) == 0 || len(v) > len(s.length):
		s.unsure = true
	case s.lengths == 1:
		s.lenLen = copy(s.length[:], v)
	case !bytes.Equal(s.length[:s.lenLen], v):
		s.unsure = true // net/http refuses differing values
	}
}

// endHead decides what follows the head just completed and reports
// whether it has both framing fields (the stream is cut after it).
func (s *scanner) endHead() (cut bool) {
	index := s.heads
	s.heads++
	s.state = inHead
	defer s.resetHead()
	if s.lengths > 0 && s.encoding {
		s.ambiguousAt = index
		s.stop(index)
		return true
	}
	if s.unsure || (s.encoding && s.minor >= 1) {
		// Refused, or chunked: net/http reads a body the scanner does not
		// decode. (HTTP/1.0 ignores Transfer-Encoding.)
		s.stop(index)
		return false
	}
	if s.lengths > 0 {
		n, ok := parseLength(s.length[:s.lenLen])
		if !ok {
			s.stop(index) // net/http refuses it
			return false
		}
		if n > 0 {
			s.state, s.remaining = inBody, n
		}
	}
	return false
}

// parseLength is strconv.ParseUint(v, 10, 63), as net/http parses
// Content-Length, without allocating.
func parseLength(v []byte) (int64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return int64(n), true
}

// stop ends the watch after the head with the given index.
func (s *scanner) stop(index int64) {
	s.state = stopped
	s.stoppedAt = index
}

func (s *scanner) resetHead() {
	s.started, s.minor, s.unsure, s.last = false, 0, false, fieldOther
	s.spaces, s.protoLen = 0, 0
	s.lengths, s.lenLen, s.encoding = 0, 0, false
}

// parseVersion is http.ParseHTTPVersion on bytes.
func parseVersion(v []byte) (major, minor int, ok bool) {
	if len(v) != len("HTTP/1.1") || string(v[:5]) != "HTTP/" || v[6] != '.' ||
		v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9' {
		return 0, 0, false
	}
	return int(v[5] - '0'), int(v[7] - '0'), true
}

// trim is textproto.TrimString on bytes: ASCII space, tab, CR and LF off
// both ends.
func trim(b []byte) []byte {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// equalFold reports whether b, in any ASCII case, is lower (lower-case).
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
