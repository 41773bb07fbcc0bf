package auth

import (
	"encoding/json"
	"math"
	"strings"
)

// decodeSession decodes a stored session. Sessions are stored as the JSON
// that encoding/json writes for Session, and a check decodes one on every
// request, so the compact form json.Marshal produces is read by a small
// dedicated parser: no reflection, one allocation for the session and its
// proofs and one for all its strings (see finish). Anything it does not
// expect (whitespace, escapes, non-ASCII text, null, an unknown or
// differently-cased key, a float, a duplicate key) sends the whole value
// to encoding/json instead, so the result is always exactly what
// json.Unmarshal gives (the differential fuzz test checks it).
func decodeSession(data []byte) (*Session, error) {
	d := new(decodedSession)
	s := &d.s
	if parseSession(data, s, d.proofs[:0]) {
		return s, nil
	}
	*s = Session{}
	if err := json.Unmarshal(data, s); err != nil {
		return nil, err
	}
	return s, nil
}

// decodedSession is a decoded Session with room for its proofs (one per
// method: two), allocated together.
type decodedSession struct {
	s      Session
	proofs [2]Proof
}

// sessionParser reads the compact JSON of one Session; ok turns false at
// the first surprise.
type sessionParser struct {
	b   []byte
	i   int
	ok  bool
	key [12]bool // keys seen (one per Session field), to send duplicates to encoding/json
	// strs are the string values read so far: where each goes and where
	// it is in b. finish copies them all in one allocation.
	strs  [12]strValue
	nstrs int
	// proofBuf is where proofs appends, if not nil.
	proofBuf []Proof
}

// strValue is a string value read but not yet copied: b[start:end] goes
// to *dst.
type strValue struct {
	dst        *string
	start, end int
}

// fastSession parses data into s and reports whether it could.
func fastSession(data []byte, s *Session) bool { return parseSession(data, s, nil) }

// parseSession is fastSession with s.Proofs appended to proofs (nil for
// a new slice).
func parseSession(data []byte, s *Session, proofs []Proof) bool {
	p := sessionParser{b: data, ok: true, proofBuf: proofs}
	p.object(func(k []byte) {
		switch string(k) {
		case "u":
			p.once(0)
			p.str(&s.User)
		case "p":
			p.once(1)
			s.Proofs = p.proofs()
		case "c":
			p.once(2)
			s.Created = p.int()
		case "e":
			p.once(3)
			s.Expires = p.int()
		case "r":
			p.once(4)
			s.Remember = p.bool()
		case "pd":
			p.once(5)
			s.Pending = p.pending()
		case "pc":
			p.once(6)
			s.Change = p.pending()
		case "ip":
			p.once(7)
			p.str(&s.IP)
		case "ua":
			p.once(8)
			p.str(&s.Agent)
		case "g":
			p.once(9)
			p.str(&s.Gen)
		case "h":
			p.once(10)
			p.str(&s.Handle)
		case "ra":
			p.once(11)
			s.RememberAsked = p.bool()
		default:
			p.ok = false
		}
	})
	if !p.ok || p.i != len(p.b) {
		return false
	}
	p.finish()
	return true
}

// once fails the parse on a key's second occurrence.
func (p *sessionParser) once(k int) {
	if p.key[k] {
		p.ok = false
	}
	p.key[k] = true
}

func (p *sessionParser) next(c byte) bool {
	if p.ok && p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *sessionParser) expect(c byte) {
	if !p.next(c) {
		p.ok = false
	}
}

// object reads {"key":value,...}, calling field for each key with the
// parser positioned at its value.
func (p *sessionParser) object(field func(key []byte)) {
	p.expect('{')
	if p.next('}') {
		return
	}
	for p.ok {
		k := p.rawStr()
		p.expect(':')
		if !p.ok {
			return
		}
		field(k)
		if p.next(',') {
			continue
		}
		p.expect('}')
		return
	}
}

// rawStr reads a string of printable ASCII without escapes and returns
// its bytes without copying.
func (p *sessionParser) rawStr() []byte {
	start, end := p.span()
	return p.b[start:end]
}

// span reads a string of printable ASCII without escapes and returns
// where its contents start and end in b.
func (p *sessionParser) span() (start, end int) {
	if !p.next('"') {
		p.ok = false
		return 0, 0
	}
	start = p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			p.i++
			return start, p.i - 1
		}
		if c < 0x20 || c >= 0x7f || c == '\\' {
			break // escapes and non-ASCII: encoding/json's job
		}
		p.i++
	}
	p.ok = false
	return 0, 0
}

// str reads a string value into *dst. The values are copied by finish,
// all in one allocation.
func (p *sessionParser) str(dst *string) {
	start, end := p.span()
	switch {
	case !p.ok || start == end:
		*dst = ""
	case p.nstrs < len(p.strs):
		p.strs[p.nstrs] = strValue{dst: dst, start: start, end: end}
		p.nstrs++
	default:
		*dst = string(p.b[start:end])
	}
}

// finish copies the string values str read into one string and points
// each destination at its part.
func (p *sessionParser) finish() {
	vals := p.strs[:p.nstrs]
	n := 0
	for _, v := range vals {
		n += v.end - v.start
	}
	var b strings.Builder
	b.Grow(n)
	for _, v := range vals {
		b.Write(p.b[v.start:v.end])
	}
	all := b.String()
	for _, v := range vals {
		*v.dst, all = all[:v.end-v.start], all[v.end-v.start:]
	}
}

// method reads a proof's method, sharing the constants' memory for the
// known ones.
func (p *sessionParser) method() string {
	v := p.rawStr()
	switch {
	case !p.ok:
		return ""
	case string(v) == MethodPassword:
		return MethodPassword
	case string(v) == MethodSMS:
		return MethodSMS
	}
	return string(v)
}

func (p *sessionParser) int() int64 {
	neg := p.next('-')
	start := p.i
	var n uint64
	for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
		d := uint64(p.b[p.i] - '0')
		if n > (math.MaxUint64-d)/10 {
			p.ok = false
			return 0
		}
		n = n*10 + d
		p.i++
	}
	// JSON forbids leading zeros; a fraction or exponent goes to
	// encoding/json (which refuses it for an int64), and so does a value
	// out of range.
	switch {
	case p.i == start, p.b[start] == '0' && p.i-start > 1:
		p.ok = false
		return 0
	case neg && n <= 1<<63:
		return -int64(n)
	case !neg && n <= math.MaxInt64:
		return int64(n)
	}
	p.ok = false
	return 0
}

func (p *sessionParser) bool() bool {
	switch {
	case p.literal("true"):
		return true
	case p.literal("false"):
		return false
	}
	p.ok = false
	return false
}

func (p *sessionParser) literal(lit string) bool {
	if p.ok && len(p.b)-p.i >= len(lit) && string(p.b[p.i:p.i+len(lit)]) == lit {
		p.i += len(lit)
		return true
	}
	return false
}

func (p *sessionParser) proofs() []Proof {
	p.expect('[')
	if p.next(']') {
		return []Proof{} // encoding/json gives an empty, non-nil slice
	}
	out := p.proofBuf
	if out == nil {
		out = make([]Proof, 0, 2)
	}
	for p.ok {
		var pr Proof
		var seen [3]bool
		p.object(func(k []byte) {
			switch {
			case string(k) == "m" && !seen[0]:
				seen[0] = true
				pr.Method = p.method()
			case string(k) == "t" && !seen[1]:
				seen[1] = true
				pr.At = p.int()
			case string(k) == "v" && !seen[2]:
				seen[2] = true
				pr.UV = p.bool()
			default:
				p.ok = false
			}
		})
		out = append(out, pr)
		if p.next(',') {
			continue
		}
		p.expect(']')
		break
	}
	return out
}

func (p *sessionParser) pending() *Pending {
	pd := new(Pending)
	var seen [6]bool
	p.object(func(k []byte) {
		i := -1
		switch string(k) {
		case "u":
			i = 0
			p.str(&pd.User)
		case "c":
			i = 1
			p.str(&pd.Challenge)
		case "k":
			i = 2
			p.str(&pd.Purpose)
		case "r":
			i = 3
			pd.Remember = p.bool()
		case "ph":
			i = 4
			p.str(&pd.Phone)
		case "t":
			i = 5
			pd.Until = p.int()
		}
		if i < 0 || seen[i] {
			p.ok = false
			return
		}
		seen[i] = true
	})
	return pd
}
