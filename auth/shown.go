package auth

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Unshown reports whether r acts on a terminal or on the text around it
// rather than showing as itself: what a display name may not hold
// (breaksName: a control character, C1's CSI and NEL among them, a line
// or paragraph separator, a bidi embedding, override or isolate).
func Unshown(r rune) bool { return breaksName(r) }

// ShownName is the display name an app is told (X-Auth-Name and the
// assertion's name, docs/contract.md "Identity headers"): name without
// the characters a display name may not hold (Unshown), which an account
// made before names were checked may. A name without them is returned
// as it is.
func ShownName(name string) string {
	if !strings.ContainsFunc(name, Unshown) {
		return name
	}
	return strings.Map(func(r rune) rune {
		if Unshown(r) {
			return -1
		}
		return r
	}, name)
}

// ShownJSON returns the JSON text b with each Unshown character in its
// strings spelled as a \u escape (docs/contract.md, "Logs and audit"):
// the same JSON value, in characters a terminal shows. encoding/json and
// log/slog escape C0 controls and the line separators but leave DEL, C1
// controls and bidi overrides raw, which a terminal obeys (a client's
// CSI sequence in a logged path) or which turn a line around. Outside a
// string only C0 (the line's newline) stands, which is kept; b is
// returned as it is when it holds nothing to escape.
func ShownJSON(b []byte) []byte {
	i := firstUnshown(b)
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if r >= runeDEL && Unshown(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

// runeDEL is DEL, the first character at or past which a JSON encoder
// leaves what Unshown names raw.
const runeDEL = 0x7f

// firstUnshown is the index in b of the first character at or past DEL
// that is Unshown, or -1; ASCII below DEL is skipped byte by byte.
func firstUnshown(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < runeDEL {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if Unshown(r) {
			return i
		}
		i += n
	}
	return -1
}

// ShownText is s for a terminal: each Unshown character (a tab and a
// newline among them, which would break a table's columns and lines)
// spelled as its \u escape, the rest as it is. The operator commands
// print what accounts and sessions hold with it: a value kept before
// names and agents were checked may hold anything (docs/contract.md,
// "Command line").
func ShownText(s string) string {
	if !strings.ContainsFunc(s, Unshown) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if Unshown(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
