// Package filesettle decides when a file the gateway polls has changed
// for good (docs/contract.md, "Command line": reload, and "users.yaml
// (file backend)"). A save written in place (a shell redirection, a tool
// that rewrites the file where it is) passes through every length of the
// new content; a poll that caught it half done, and found it still
// parses, applied it: a gateway.yaml without its last deny route, a
// users.yaml without the accounts after the cut, whose factors the
// gateway then forgot. A change is therefore taken only once two polls
// in a row read the same new content.
package filesettle

import "crypto/sha256"

// Sum is a file's content hash.
type Sum = [sha256.Size]byte

// Settle follows one polled file. The zero value has taken nothing.
type Settle struct {
	taken   Sum // the content last taken
	pending Sum // the content the last poll read
}

// Take records sum as the content taken without waiting for a second
// poll: the first reading, or a reload someone asked for (SIGHUP).
func (s *Settle) Take(sum Sum) { s.taken, s.pending = sum, sum }

// Taken reports whether sum is the content last taken.
func (s *Settle) Taken(sum Sum) bool { return sum == s.taken }

// Poll reports whether sum, the content a poll read, is a change to take
// now: it differs from the content taken and the previous poll read the
// same. Once it reports true, sum is the content taken.
func (s *Settle) Poll(sum Sum) bool {
	if sum == s.taken || sum != s.pending {
		s.pending = sum
		return false
	}
	s.taken = sum
	return true
}
