// Package dnsname holds the one rule for a DNS name's labels that the
// configuration's host names and the host a text message names share
// (docs/contract.md, "Configuration", "SMS delivery").
package dnsname

import "strings"

// Valid reports whether s, lower case, is at most maxLen characters of
// dot-separated labels, each 1 to 63 letters, digits and hyphens (and
// underscores, when underscore is true: some internal names carry them),
// neither first nor last a hyphen.
func Valid(s string, maxLen int, underscore bool) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if c != '-' && (c != '_' || !underscore) && (c < 'a' || c > 'z') && (c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}
