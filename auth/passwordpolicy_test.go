package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestPasswordOfTheAccountsOwnNamesIsRefused: a new password made of the
// account's own username, email or phone number, or their words, with
// only digits and symbols added, is a sprayer's first guess for that
// account (NIST SP 800-63B §5.1.1.2: context-specific words and their
// derivatives). Before, only the exact name, email or number was refused:
// alice2024! and AliceSmith1 were taken. A passphrase that holds a name
// among other words is the person's own choice and stays allowed.
func TestPasswordOfTheAccountsOwnNamesIsRefused(t *testing.T) {
	p := auth.PasswordPolicy{MinLength: 8, MaxLength: 128}
	u := &auth.User{Username: "asmith", Email: "alice.smith@example.org", Phone: "+12015550100"}
	for pw, want := range map[string]string{
		"asmith2024!":                  "password.personal",
		"ASmith-ASmith":                "password.personal",
		"AliceSmith1":                  "password.personal",
		"alice.smith@example.org":      "password.personal",
		"example.org 2024":             "password.personal",
		"smith alice 99":               "password.personal",
		"12015550100":                  "password.personal",
		"2015550100":                   "password.personal", // the number as its person writes it at home
		"(201) 555-0100":               "password.personal",
		"201-555-0100!":                "password.personal",
		"+1 201 555 0100":              "password.personal",
		"asmith likes green tea":       "", // a passphrase with the name in it
		"alice in wonderland 1865":     "", // other words with hers
		"correct horse battery staple": "",
	} {
		if got := p.Check(pw, u); got.ID != want {
			t.Errorf("Check(%q) = %q (%s), want %q", pw, got.ID, got.Text, want)
		}
	}
	// A number's national form keeps its trunk prefix (0 in France).
	fr := &auth.User{Username: "mdupont", Phone: "+33612345678"}
	for _, pw := range []string{"0612345678", "06 12 34 56 78", "06.12.34.56.78!", "612345678"} {
		if got := p.Check(pw, fr); got.ID != "password.personal" {
			t.Errorf("Check(%q) for +33612345678 = %q, want password.personal", pw, got.ID)
		}
	}
	// Before the code of a reset only the name typed is known: a
	// password is judged against it alone (docs/contract.md, "Password
	// reset, step two").
	if got := p.Check("asmith2024!", &auth.User{Username: "alice.smith@example.org"}); got.ID != "" {
		t.Errorf("judged against the email typed, asmith2024! = %q, want accepted", got.ID)
	}
	if got := p.Check("alice2024!!", &auth.User{Username: "alice.smith@example.org"}); got.ID != "password.personal" {
		t.Errorf("judged against the email typed, alice2024!! = %q, want password.personal", got.ID)
	}
}

// TestPhoneNumberTypedAsWrittenIsPersonal: the account's phone number as
// people write it, with spaces, dashes, dots or brackets, with or
// without its country code, or with its national trunk prefix, is the
// number all the same (docs/contract.md, "Password rules"). Before, only
// its digits in one run were refused: +1 201 555 0100 and (201)
// 555-0100 were taken.
func TestPhoneNumberTypedAsWrittenIsPersonal(t *testing.T) {
	p := auth.PasswordPolicy{MinLength: 8, MaxLength: 128}
	us := &auth.User{Username: "asmith", Email: "alice.smith@example.org", Phone: "+12015550100"}
	uk := &auth.User{Username: "bjones", Phone: "+447700900123"}
	for _, tc := range []struct {
		u    *auth.User
		pw   string
		want string
	}{
		{us, "+1 201 555 0100", "password.personal"},
		{us, "+1-201-555-0100", "password.personal"},
		{us, "+1 (201) 555-0100!", "password.personal"},
		{us, "(201) 555-0100", "password.personal"},
		{us, "201.555.0100", "password.personal"},
		{us, "2015550100", "password.personal"},
		{us, "asmith 201-555-0100", "password.personal"},
		{uk, "07700 900123", "password.personal"},
		{uk, "+44 7700 900 123", "password.personal"},
		{uk, "7700900123", "password.personal"},
		{us, "call 201 555 0100 for tea", ""}, // other words with it
		{us, "201 555 0199 7713", ""},         // another number
	} {
		if got := p.Check(tc.pw, tc.u); got.ID != tc.want {
			t.Errorf("Check(%q) for %s = %q (%s), want %q", tc.pw, tc.u.Phone, got.ID, got.Text, tc.want)
		}
	}
}

// TestPatternedPasswordsAreRefused: repeated and sequential characters
// (NIST SP 800-63B §5.1.1.2) are password.pattern, in the form hashed
// (fullwidth letters are letters), with spaces and symbols between the
// runs; a run among other text is not; the longest password the policy
// can allow is judged at once (no backtracking over its runs).
func TestPatternedPasswordsAreRefused(t *testing.T) {
	p := auth.PasswordPolicy{MinLength: 8, MaxLength: 1024}
	for pw, want := range map[string]string{
		"aaaaaaaaaaaa":      "password.pattern",
		"ab!ab!ab!ab!":      "password.pattern",
		"1234 5678 9012":    "password.pattern",
		"ZYXWVUTSRQ":        "password.pattern",
		"mnbvcxzlkjhg":      "password.pattern", // the keyboard backwards, across rows
		"ａｂｃｄｅｆｇｈｉｊ":        "password.pattern",
		"abcdefgh12345678":  "password.pattern",
		"aaabbbcccddd":      "password.pattern",
		"abcdxyzw1234":      "",
		"hello abcdef 2024": "",
		"a1b2c3d4e5f6":      "",
		"aaaa9173xk":        "",
	} {
		if got := p.Check(pw, nil); got.ID != want {
			t.Errorf("Check(%q) = %q (%s), want %q", pw, got.ID, got.Text, want)
		}
	}
	long := strings.Repeat("0123456789", 102) + "0123"
	start := time.Now()
	if got := p.Check(long, nil); got.ID != "password.pattern" {
		t.Errorf("1024 digits in order: %q, want password.pattern", got.ID)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("judging 1024 digits in order took %s", d)
	}
}
