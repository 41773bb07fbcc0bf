package auth

import (
	"encoding/json"
	"math"
)

// decodeSession decodes a stored session. Sessions are stored as the JSON
// that encoding/json writes for Session, and a check decodes one on every
// request, so the compact form json.Marshal produces is read by a small
// dedicated parser: no reflection, one allocation per string. Anything it
// does not expect (whitespace, escapes, non-ASCII text, null, an unknown
// or differently-cased key, a float, a duplicate key) sends the whole
// value to encoding/json instead, so the result is always exactly what
// json.Unmarshal gives (the differential fuzz test checks it).
func decodeSession(data []byte) (*Session, error) {
	s := new(Session)
	if fastSession(data, s) {
		return s, nil
	}
	*s = Session{}
	if err := json.Unmarshal(data, s); err != nil {
		return nil, err
	}
	return s, nil
}

// sessionParser reads the compact JSON of one Session; ok turns false at
// the first surprise.
type sessionParser struct {
	b   []byte
	i   int
	ok  bool
	key [10]bool // keys seen (one per Session field), to send duplicates to encoding/json
}

// fastSession parses data into s and reports whether it could.
func fastSession(data []byte, s *Session) bool {
	p := sessionParser{b: data, ok: true}
	p.object(func(k []byte) {
		switch string(k) {
		case "u":
			p.once(0)
			s.User = p.str()
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
			s.IP = p.str()
		case "ua":
			p.once(8)
			s.Agent = p.str()
		case "g":
			p.once(9)
			s.Gen = p.str()
		default:
			p.ok = false
		}
	})
	return p.ok && p.i == len(p.b)
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
	if !p.next('"') {
		p.ok = false
		return nil
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			v := p.b[start:p.i]
			p.i++
			return v
		}
		if c < 0x20 || c >= 0x7f || c == '\\' {
			break // escapes and non-ASCII: encoding/json's job
		}
		p.i++
	}
	p.ok = false
	return nil
}

// str reads a string value and copies it.
func (p *sessionParser) str() string {
	v := p.rawStr()
	if !p.ok || len(v) == 0 {
		return ""
	}
	return string(v)
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
	out := make([]Proof, 0, 2)
	for p.ok {
		var pr Proof
		var seen [2]bool
		p.object(func(k []byte) {
			switch {
			case string(k) == "m" && !seen[0]:
				seen[0] = true
				pr.Method = p.method()
			case string(k) == "t" && !seen[1]:
				seen[1] = true
				pr.At = p.int()
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
	var seen [5]bool
	p.object(func(k []byte) {
		i := -1
		switch string(k) {
		case "u":
			i = 0
			pd.User = p.str()
		case "c":
			i = 1
			pd.Challenge = p.str()
		case "k":
			i = 2
			pd.Purpose = p.str()
		case "r":
			i = 3
			pd.Remember = p.bool()
		case "ph":
			i = 4
			pd.Phone = p.str()
		}
		if i < 0 || seen[i] {
			p.ok = false
			return
		}
		seen[i] = true
	})
	return pd
}
