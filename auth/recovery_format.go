package auth

// The form of recovery codes (docs/contract.md, "Recovery codes"): made
// from crypto/rand, shown in groups of four, read as typed.

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
)

// newRecoveryCode returns recoveryCodeLen random symbols of
// recoveryAlphabet (5 bits each, from crypto/rand).
func newRecoveryCode() (string, error) {
	var b [recoveryCodeLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	out := make([]byte, recoveryCodeLen)
	for i, v := range b {
		out[i] = recoveryAlphabet[v&31] // 256 is a multiple of 32: uniform
	}
	return string(out), nil
}

// FormatRecoveryCode shows a normalized code as people copy it: lower
// case, groups of four joined by hyphens.
func FormatRecoveryCode(code string) string {
	code = strings.ToLower(code)
	var sb strings.Builder
	for i := 0; i < len(code); i += 4 {
		if i > 0 {
			sb.WriteByte('-')
		}
		sb.WriteString(code[i:min(i+4, len(code))])
	}
	return sb.String()
}

// normalizeRecovery reads a code as typed: case, spaces and hyphens do
// not matter, and I, L, O (and their lower case) read as 1, 1, 0.
func normalizeRecovery(s string) (string, bool) {
	out := make([]byte, 0, recoveryCodeLen)
	for _, c := range []byte(strings.ToUpper(s)) {
		switch {
		case c == ' ' || c == '-' || c == '\t':
			continue
		case c == 'I' || c == 'L':
			c = '1'
		case c == 'O':
			c = '0'
		case strings.IndexByte(recoveryAlphabet, c) < 0:
			return "", false
		}
		if len(out) == recoveryCodeLen {
			return "", false
		}
		out = append(out, c)
	}
	return string(out), len(out) == recoveryCodeLen
}

// LooksLikeRecoveryCode reports whether s has a recovery code's shape
// (and so is not a mistyped SMS code).
func LooksLikeRecoveryCode(s string) bool {
	_, ok := normalizeRecovery(s)
	return ok
}

// randomText returns n random bytes in base64url.
func randomText(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
