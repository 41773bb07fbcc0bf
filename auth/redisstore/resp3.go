package redisstore

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// The tracking connection speaks RESP3 itself: go-redis has no API for a
// connection that does nothing but wait for server pushes. Only what that
// connection needs is here: writing commands, and reading any RESP3 frame
// into a small tree.

// Limits on what a frame from the server may hold. The tracking
// connection only ever receives short replies and invalidation pushes
// (key names); anything bigger is a protocol error, not something to
// allocate for.
const (
	maxBulkLen    = 1 << 20 // bytes in one string
	maxAggregate  = 1 << 16 // elements in one array, push, set or map
	maxFrameDepth = 8       // nesting of aggregates
)

// errProtocol is a malformed or oversized frame from the server.
var errProtocol = errors.New("redisstore: RESP3 protocol error")

// respKind is a RESP3 frame type, by its leading byte.
type respKind byte

const (
	respSimple  respKind = '+'
	respError   respKind = '-'
	respInt     respKind = ':'
	respBulk    respKind = '$'
	respArray   respKind = '*'
	respNull    respKind = '_'
	respBool    respKind = '#'
	respDouble  respKind = ','
	respBigNum  respKind = '('
	respBlobErr respKind = '!'
	respVerbat  respKind = '='
	respMap     respKind = '%'
	respSet     respKind = '~'
	respAttr    respKind = '|'
	respPush    respKind = '>'
)

// respValue is one decoded frame: str holds simple strings, errors, bulk
// and verbatim strings, numbers and booleans as sent; elems holds the
// elements of arrays, sets and pushes (a map's keys and values
// alternate). A RESP2 null bulk string or array decodes as respNull.
type respValue struct {
	kind  respKind
	str   string
	elems []respValue
}

// isNull reports whether v is a null of either protocol version.
func (v respValue) isNull() bool { return v.kind == respNull }

// err returns the server error v carries, or nil.
func (v respValue) err() error {
	if v.kind == respError || v.kind == respBlobErr {
		return fmt.Errorf("redis: %s", v.str)
	}
	return nil
}

// readFrame reads one frame. Attributes (|) are read and dropped: they
// annotate the frame that follows.
func readFrame(r *bufio.Reader) (respValue, error) {
	return readFrameDepth(r, 0)
}

func readFrameDepth(r *bufio.Reader, depth int) (respValue, error) {
	if depth > maxFrameDepth {
		return respValue{}, fmt.Errorf("%w: frames nested too deeply", errProtocol)
	}
	for {
		line, err := readLine(r)
		if err != nil {
			return respValue{}, err
		}
		if len(line) == 0 {
			return respValue{}, fmt.Errorf("%w: empty line", errProtocol)
		}
		kind, rest := respKind(line[0]), string(line[1:])
		switch kind {
		case respSimple, respError, respInt, respBool, respDouble, respBigNum:
			return respValue{kind: kind, str: rest}, nil
		case respNull:
			return respValue{kind: respNull}, nil
		case respBulk, respBlobErr, respVerbat:
			n, err := frameLen(rest, maxBulkLen)
			if err != nil {
				return respValue{}, err
			}
			if n < 0 {
				return respValue{kind: respNull}, nil
			}
			buf := make([]byte, n+2)
			if _, err := io.ReadFull(r, buf); err != nil {
				return respValue{}, err
			}
			if buf[n] != '\r' || buf[n+1] != '\n' {
				return respValue{}, fmt.Errorf("%w: string not followed by CRLF", errProtocol)
			}
			return respValue{kind: kind, str: string(buf[:n])}, nil
		case respArray, respSet, respPush, respMap, respAttr:
			n, err := frameLen(rest, maxAggregate)
			if err != nil {
				return respValue{}, err
			}
			if n < 0 {
				return respValue{kind: respNull}, nil
			}
			if kind == respMap || kind == respAttr {
				if n > maxAggregate/2 {
					return respValue{}, fmt.Errorf("%w: map of %d pairs", errProtocol, n)
				}
				n *= 2
			}
			v := respValue{kind: kind, elems: make([]respValue, 0, min(n, 64))}
			for range n {
				e, err := readFrameDepth(r, depth+1)
				if err != nil {
					return respValue{}, err
				}
				v.elems = append(v.elems, e)
			}
			if kind == respAttr {
				continue // the annotated frame follows
			}
			return v, nil
		default:
			return respValue{}, fmt.Errorf("%w: unknown frame type %q", errProtocol, line[0])
		}
	}
}

// readLine reads up to CRLF and returns the line without it.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("%w: line too long", errProtocol)
	}
	if err != nil {
		return nil, err
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("%w: line not ended by CRLF", errProtocol)
	}
	return line[:len(line)-2], nil
}

// frameLen parses a length header: -1 (RESP2 null) or 0..limit.
func frameLen(s string, limit int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < -1 || n > limit {
		return 0, fmt.Errorf("%w: bad length %q", errProtocol, s)
	}
	return n, nil
}

// appendCommand appends args as a RESP array of bulk strings, the form
// every Redis command is sent in.
func appendCommand(buf []byte, args ...string) []byte {
	buf = append(buf, '*')
	buf = strconv.AppendInt(buf, int64(len(args)), 10)
	buf = append(buf, '\r', '\n')
	for _, a := range args {
		buf = append(buf, '$')
		buf = strconv.AppendInt(buf, int64(len(a)), 10)
		buf = append(buf, '\r', '\n')
		buf = append(buf, a...)
		buf = append(buf, '\r', '\n')
	}
	return buf
}

// invalidation reports whether v is a tracking invalidation push and, if
// so, the keys it names; all is true for a flush of everything (a null
// key list: FLUSHALL, FLUSHDB, or the server losing track).
func invalidation(v respValue) (keys []string, all, ok bool) {
	if v.kind != respPush || len(v.elems) != 2 || v.elems[0].str != "invalidate" {
		return nil, false, false
	}
	list := v.elems[1]
	if list.isNull() {
		return nil, true, true
	}
	for _, k := range list.elems {
		keys = append(keys, k.str)
	}
	return keys, false, true
}
