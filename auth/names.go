package auth

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The rules below are the one place that says when an app behind the
// gateway may read two names (usernames, emails) as one
// (docs/contract.md, "Names an app reads as one"). Apps compare the
// identity they are given loosely: case-insensitively (a database's _ci
// collation, Windows, LDAP), after Unicode compatibility folding (NFKC),
// or with invisible characters dropped.

// NameKey returns the form under which an app may read name as the same
// as another name: compatibility forms folded (NFKC: fullwidth letters,
// ligatures, the Kelvin sign), then case folded the ways apps fold it
// (upper-cased, then lower-cased: the dotless ı, the long ſ and the final
// ς upper-case to I, S and Σ). Two names with one key are one person to
// such an app.
func NameKey(name string) string {
	s := norm.NFKC.String(name)
	return norm.NFKC.String(strings.ToLower(strings.ToUpper(s)))
}

// invisible reports whether r is a character a person cannot see and an
// app may drop: a control or format character (zero-width space and
// joiners, bidi controls, the soft hyphen, the byte order mark), a
// variation selector or another default-ignorable one (Hangul fillers,
// the combining grapheme joiner).
func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

// NameDisguise says why name may be read by an app as another name than
// the one it shows, as a sentence fit for an error message (the name is
// quoted with its invisible characters escaped), or "" when it cannot:
// when it holds an invisible character, or is not in its plain form
// (NFKC), which an app folding it reads as another spelling.
func NameDisguise(name string) string {
	switch {
	case strings.ContainsFunc(name, invisible):
		return fmt.Sprintf("%q holds an invisible character (a zero-width space or joiner, a direction mark, a soft hyphen) that an app may drop", name)
	case !norm.NFKC.IsNormalString(name):
		return fmt.Sprintf("an app may read %q as %q: write it so", name, norm.NFKC.String(name))
	}
	return ""
}

// TrailActor reports whether the audit trail names, as the actor of its
// records, a doer that is no account by name: the users file
// (UsersFileActor), an operator ("cli:" and a name) or an admin API
// token ("token:" and its name). An account's history lists what its
// name did beside what was done to it, so no account may be given such
// a name: its history would show the file's, the operator's or the
// token's changes of other accounts as its own (docs/contract.md,
// "Sign-up"). name is compared as it is kept (lower-cased).
func TrailActor(name string) bool {
	return name == UsersFileActor || strings.HasPrefix(name, "cli:") || strings.HasPrefix(name, "token:")
}
