package main

import (
	"strings"
	"testing"
)

// TestHashPasswordKeepsThePasswordRules: `gatehouse hash-password`, the
// way a users.yaml password is made, refuses a password the rules of
// every other way refuse (users.password_policy: its length, the
// common-password list), saying why and printing no hash. Before, it
// hashed anything, so a users.yaml account got `password1` or a
// five-letter word that sign-up, a reset and `gatehouse user add` refuse.
func TestHashPasswordKeepsThePasswordRules(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"password1\n", "common"},
		{"qwertyuiop\n", "common"},
		{"tulip\n", "at least 8"},
		{"e\u0301e\u0301e\u0301e\u0301\n", "at least 8"}, // four é, in NFKC
		{"a passphrase of my own\n", ""},
	} {
		code, out, errOut := runCmd(t, tc.in, "hash-password")
		if tc.want == "" {
			if code != 0 || !strings.HasPrefix(out, "$argon2id$") {
				t.Errorf("hash-password %q: exit %d, %q %q; want a hash", tc.in, code, out, errOut)
			}
			continue
		}
		if code == 0 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("hash-password %q: exit %d, out %q, err %q; want refused, saying %q", tc.in, code, out, errOut, tc.want)
		}
	}
}
