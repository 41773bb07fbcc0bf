package auth

// The rules for new passwords (docs/contract.md, "Password rules").

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// PasswordPolicy is what new passwords must satisfy, judged in the form
// they are hashed in (PasswordForm).
type PasswordPolicy struct {
	MinLength, MaxLength int // in characters (code points) of the PasswordForm; never truncated
	// Service are the service's own names (its app name, its public
	// host), which a new password may not be made of (password.context;
	// NIST SP 800-63B §5.1.1.2: "the name of the service").
	Service []string
}

// Problem returns what is wrong with password for u, in English, or "".
func (p PasswordPolicy) Problem(password string, u *User) string {
	return p.Check(password, u).Text
}

// Check returns what is wrong with password for u; a zero Problem (ID "")
// when nothing is. The ids are password.too_short and password.too_long
// (N is the bound), password.personal, password.context (the
// service's names), password.common and password.pattern (patterned). Each rule
// reads the PasswordForm, what is hashed: ｐａｓｓｗｏｒｄ１２３ is
// password123 (docs/contract.md, "Password hashing").
func (p PasswordPolicy) Check(password string, u *User) Problem {
	password = PasswordForm(password)
	n := utf8.RuneCountInString(password)
	switch {
	case n < p.MinLength:
		return Problem{ID: "password.too_short", N: p.MinLength, Text: fmt.Sprintf("Use at least %d characters.", p.MinLength)}
	case p.MaxLength > 0 && n > p.MaxLength:
		return Problem{ID: "password.too_long", N: p.MaxLength, Text: fmt.Sprintf("Use at most %d characters.", p.MaxLength)}
	}
	if u != nil && personal(password, u) {
		return Problem{ID: "password.personal", Text: "Do not build your password from your username, email or phone number."}
	}
	if madeOf(strings.ToLower(password), serviceWords(p.Service)) {
		return Problem{ID: "password.context", Text: "Do not build your password from the name of this service or its address."}
	}
	if IsCommonPassword(password) {
		return Problem{ID: "password.common", Text: "This password is among the most common ones attackers try first. Choose another."}
	}
	if patterned(password) {
		return Problem{ID: "password.pattern", Text: "Do not build your password from repeated characters or runs such as abcd, 1234 or qwerty."}
	}
	return Problem{}
}

// personal reports whether password (in its PasswordForm) is made of
// u's own names and nothing a guesser must find besides: its username,
// email or phone number (as its person writes it at home too, in its
// national form: 2015550100, (201) 555-0100, 06 12 34 56 78), or the
// words of the username and email (alice, smith and example of
// alice.smith@example.com, three characters or more), any of them, any
// number of times, in any case, with only digits, punctuation, symbols
// or spaces added (alice2024!, AliceSmith1, 12015550100). These are a
// password sprayer's first guesses for an account (NIST SP 800-63B
// §5.1.1.2: context-specific words and their derivatives;
// docs/contract.md, "Password rules"). The password is read as typed
// and without the spaces, dashes, dots, slashes and parentheses people
// put in numbers.
func personal(password string, u *User) bool {
	var words []string
	for _, v := range []string{u.Username, u.Email, u.Phone} {
		v = strings.ToLower(v)
		if v == "" {
			continue
		}
		words = append(words, v, strings.TrimPrefix(v, "+"))
		words = append(words, wordsOf(v)...)
	}
	words = append(words, nationalForms(u.Phone)...)
	// Longest first: alice.smith goes whole before alice takes its part.
	slices.SortStableFunc(words, func(a, b string) int { return len(b) - len(a) })
	lower := strings.ToLower(password)
	return madeOf(lower, words) || madeOf(stripPhonePunct(lower), words)
}

// wordsOf returns the words of v (runs of letters and digits) of three
// characters or more.
func wordsOf(v string) []string {
	var words []string
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if utf8.RuneCountInString(w) >= 3 {
			words = append(words, w)
		}
	}
	return words
}

// serviceWords returns the names in service, lower-cased, each whole and
// by its words (wordsOf), longest first.
func serviceWords(service []string) []string {
	var words []string
	for _, v := range service {
		v = strings.ToLower(PasswordForm(v))
		if v != "" {
			words = append(words, v)
			words = append(words, wordsOf(v)...)
		}
	}
	slices.SortStableFunc(words, func(a, b string) int { return len(b) - len(a) })
	return words
}

// madeOf reports whether s holds one of words and, without them, no
// letter.
func madeOf(s string, words []string) bool {
	rest := s
	for _, w := range words {
		rest = strings.ReplaceAll(rest, w, "")
	}
	return rest != s && !strings.ContainsFunc(rest, unicode.IsLetter)
}

//go:embed commonpasswords.txt
var commonPasswordsFile []byte

var (
	commonOnce      sync.Once
	commonPasswords map[string]struct{}
)

// IsCommonPassword reports whether password (case-insensitively) is in the
// bundled list of the 10,000 most common breached passwords.
func IsCommonPassword(password string) bool {
	commonOnce.Do(func() {
		commonPasswords = make(map[string]struct{}, 10000)
		sc := bufio.NewScanner(bytes.NewReader(commonPasswordsFile))
		for sc.Scan() {
			line := sc.Text()
			if line == "" || strings.HasPrefix(line, "# ") {
				continue
			}
			commonPasswords[strings.ToLower(line)] = struct{}{}
		}
	})
	_, ok := commonPasswords[strings.ToLower(password)]
	return ok
}
