package auth

// Passwords made of repeated or sequential characters (docs/contract.md,
// "Password rules"; NIST SP 800-63B §5.1.1.2).

import (
	"slices"
	"strings"
	"unicode"
)

// patternLines are the orders a run of characters may follow: the
// alphabet, the digits (0 after 9, as on a keyboard's top row, cyclic)
// and the letter rows of a QWERTY, AZERTY or QWERTZ keyboard read one
// after the other (qwertyuiopas), each line read either way.
var patternLines = []struct {
	chars  []rune
	cyclic bool
}{
	{[]rune("abcdefghijklmnopqrstuvwxyz"), false},
	{[]rune("0123456789"), true},
	{[]rune("qwertyuiopasdfghjklzxcvbnm"), false},
	{[]rune("azertyuiopqsdfghjklmwxcvbn"), false}, // AZERTY (France, Belgium)
	{[]rune("qwertzuiopasdfghjklyxcvbnm"), false}, // QWERTZ (Germany, Switzerland)
}

// minPatternRun is the shortest run of one character or of a line that
// counts as a pattern: shorter ones occur in any text.
const minPatternRun = 3

// maxPatternUnit is the longest unit whose repetition (abab, abcabc,
// 1234 1234) makes a password a pattern.
const maxPatternUnit = 4

// patterned reports whether password (in its PasswordForm) is a pattern a
// guesser tries by mask rather than by word: a unit of up to
// maxPatternUnit characters repeated (aaaaaaaa, abababab, !!!!!!!!), or,
// read in lower case with letters and digits alone (spaces,
// punctuation and symbols dropped), nothing but runs of at least minPatternRun characters, each one
// character repeated or consecutive along a patternLines line (abcdefgh,
// 987654321, qwertyuiop, ABCD-1234-abcd, aaaa1111bbbb).
func patterned(password string) bool {
	lower := []rune(strings.ToLower(password))
	if repeatsUnit(lower) {
		return true
	}
	var bare []rune
	for _, r := range lower {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			bare = append(bare, r)
		}
	}
	return len(bare) > 0 && coveredByRuns(bare)
}

// repeatsUnit reports whether s is a unit of at most maxPatternUnit
// characters written at least twice (and at least minPatternRun
// characters in all).
func repeatsUnit(s []rune) bool {
	if len(s) < minPatternRun {
		return false
	}
	for unit := 1; unit <= maxPatternUnit && 2*unit <= len(s); unit++ {
		if len(s)%unit != 0 {
			continue
		}
		same := true
		for i := unit; i < len(s) && same; i++ {
			same = s[i] == s[i-unit]
		}
		if same {
			return true
		}
	}
	return false
}

// coveredByRuns reports whether s splits wholly into runs of at least
// minPatternRun characters, each one character repeated or consecutive
// along one line of patternLines in one direction. It takes time linear
// in len(s) times the longest run, at most len(s)².
func coveredByRuns(s []rune) bool {
	// links[k] holds a bit for each way s[k+1] follows s[k] (runKinds).
	links := make([]uint32, len(s))
	for k := 0; k+1 < len(s); k++ {
		links[k] = runKinds(s[k], s[k+1])
	}
	// ends[i]: s[i:] splits into runs.
	ends := make([]bool, len(s)+1)
	ends[len(s)] = true
	for i := len(s) - 1; i >= 0 && !ends[0]; i-- {
		kinds := ^uint32(0)
		for j := i + 1; j < len(s); j++ { // s[i:j+1] is a run while kinds != 0
			if kinds &= links[j-1]; kinds == 0 {
				break
			}
			if j+1-i >= minPatternRun && ends[j+1] {
				ends[i] = true
				break
			}
		}
	}
	return ends[0]
}

// runKinds returns a bit for each way b follows a in a run: bit 0 when
// they are the same character, then two bits per line of patternLines,
// for b after a forwards and backwards along it.
func runKinds(a, b rune) uint32 {
	var kinds uint32
	if a == b {
		kinds |= 1
	}
	for l, line := range patternLines {
		p, q := slices.Index(line.chars, a), slices.Index(line.chars, b)
		if p < 0 || q < 0 {
			continue
		}
		n := len(line.chars)
		fwd, back := p+1, p-1
		if line.cyclic {
			fwd, back = fwd%n, (back+n)%n
		}
		if q == fwd {
			kinds |= 1 << (1 + 2*l)
		}
		if q == back {
			kinds |= 1 << (2 + 2*l)
		}
	}
	return kinds
}
