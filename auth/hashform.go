package auth

import (
	"context"
	"crypto/subtle"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// The form of a password that is hashed (docs/contract.md, "Password
// hashing"). A password is text, and the same text reaches the gateway
// as different bytes from different keyboards and systems: é as one
// character or as e and a combining accent, letters and digits from an
// input method's full-width mode, a no-break space. NIST SP 800-63B
// §5.1.1.2 has a verifier normalise to NFKC or NFKD before hashing; the
// gateway hashes, checks and judges (PasswordPolicy) the NFKC form.
// Hashes stored before passwords were normalised are of the bytes as
// typed: Check tries those too, and the sign-in replaces such a hash
// (Authenticator's rehash).

// PasswordForm is password as it is hashed: its NFKC normalisation.
// Compatibility folding keeps every letter's accents and case; what it
// joins are spellings of one text (ﬁ and fi, ² and 2, full-width and
// plain letters).
func PasswordForm(password string) string { return norm.NFKC.String(password) }

// passwordForms are the spellings of password Check tries, in order:
// its PasswordForm, then, when that differs, the password as typed
// (a hash made before normalisation). VerifyDummy stands in for as many.
func passwordForms(password string) []string {
	if form := PasswordForm(password); form != password {
		return []string{form, password}
	}
	return []string{password}
}

// overLong reports whether password is longer than any password a
// policy allows, as typed or in its PasswordForm (MaxPasswordBytes): it
// is refused before any hashing.
func overLong(password string) bool {
	return len(password) > MaxPasswordBytes || len(PasswordForm(password)) > MaxPasswordBytes
}

// Match is what Check found.
type Match int

// Check's findings.
const (
	// NoMatch: a wrong password.
	NoMatch Match = iota
	// Matched: the password's PasswordForm matched.
	Matched
	// MatchedAsTyped: only the password as typed matched, a hash made
	// before passwords were normalised, which the sign-in replaces.
	MatchedAsTyped
)

// Check reports whether password matches encoded as a sign-in reads it:
// its PasswordForm, or else, for a hash made before normalisation, as
// typed, both in one hashing slot. Its errors are Verify's.
func (h *Hasher) Check(ctx context.Context, encoded, password string) (Match, error) {
	return h.check(ctx, encoded, passwordForms(password))
}

// check verifies encoded against each of passwords in turn, in one
// hashing slot, and returns which matched (Matched for the first,
// MatchedAsTyped for the second): see Verify for its errors.
func (h *Hasher) check(ctx context.Context, encoded string, passwords []string) (Match, error) {
	var try func(password string) (bool, error)
	switch {
	case strings.HasPrefix(encoded, "$argon2"):
		a, err := parseArgon2id(encoded)
		if err != nil {
			return NoMatch, err
		}
		try = func(password string) (bool, error) {
			key, err := h.timedKey(ctx, &a, password)
			if err != nil {
				return false, err
			}
			return subtle.ConstantTimeCompare(a.key, key) == 1, nil
		}
	case isBcryptPrefix(encoded):
		if err := checkBcrypt(encoded); err != nil {
			return NoMatch, err
		}
		try = func(password string) (bool, error) { return h.compareBcrypt(ctx, encoded, password) }
	default:
		return NoMatch, ErrUnknownHash
	}
	slot, err := h.acquire(ctx)
	if err != nil {
		return NoMatch, err
	}
	defer slot.release()
	for i, password := range passwords {
		ok, err := try(password)
		if err != nil {
			return NoMatch, err
		}
		if ok {
			return Matched + Match(i), nil
		}
	}
	return NoMatch, nil
}
