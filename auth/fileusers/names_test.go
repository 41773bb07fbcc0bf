package fileusers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/fileusers"
)

// TestUsernamesAnAppReadsAsOneAreRefused: apps behind the gateway often
// compare the X-Auth-User they are given case-insensitively (a database's
// _ci collation, Windows, LDAP), after Unicode compatibility folding
// (NFKC) or with invisible characters dropped, so two accounts whose
// usernames differ only so are one person to them: whoever signs in as
// the second is the first there. users.yaml refuses such a pair, and an
// invisible character in a username, at load (saying which entry to
// rename), and `gatehouse user add` refuses to add one, leaving the file
// as it was (docs/contract.md, "users.yaml (file backend)").
func TestUsernamesAnAppReadsAsOneAreRefused(t *testing.T) {
	tests := []struct{ name, existing, added string }{
		{"upper case", "alice", "Alice"},
		{"all capitals", "alice", "ALICE"},
		{"fullwidth", "admin", "ａｄｍｉｎ"},
		{"ligature", "fiona", "ﬁona"},
		{"Kelvin sign", "kate", "\u212Aate"},
		{"long s", "sam", "\u017Fam"},
		{"dotless i", "admin", "adm\u0131n"},
		{"zero-width space", "admin", "admin\u200b"},
		{"zero-width joiner inside", "admin", "ad\u200dmin"},
		{"bidi override", "admin", "\u202eadmin"},
		{"soft hyphen", "admin", "ad\u00admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			both := "users:\n  " + tt.existing + ":\n    password: \"" + argonHash + "\"\n  \"" + tt.added + "\":\n    password: \"" + argonHash + "\"\n"
			path := filepath.Join(t.TempDir(), "users.yaml")
			writeUsers(t, path, both)
			if b, err := fileusers.New(path, "US", nil); err == nil {
				t.Errorf("users.yaml with %q and %q loaded (%d accounts): an app comparing names loosely reads both as one person", tt.existing, tt.added, b.Users())
			} else if !strings.Contains(err.Error(), "users.yaml:4:") {
				t.Errorf("the error does not name the entry to change (line 4):\n%v", err)
			}

			one := "users:\n  " + tt.existing + ":\n    password: \"" + argonHash + "\"\n"
			writeUsers(t, path, one)
			_, err := fileusers.Add(path, "US", &auth.User{Username: tt.added}, func() (string, error) { return argonHash, nil })
			if err == nil {
				t.Errorf("gatehouse user add %q succeeded beside %q", tt.added, tt.existing)
			}
			if got, _ := os.ReadFile(path); string(got) != one {
				t.Errorf("a refused addition changed the file:\n%s", got)
			}
		})
	}
}

// TestEmailsAnAppReadsAsOneAreRefused: the file's emails are asserted
// (X-Auth-Email, the assertion's email), and an app matching accounts by
// email folds them as it folds names; two users whose emails differ only
// by width or an invisible character are one person to it.
func TestEmailsAnAppReadsAsOneAreRefused(t *testing.T) {
	for _, email := range []string{"ａlice@example.com", "alice\u200b@example.com", "alice@ｅxample.com", "\u202ealice@example.com"} {
		t.Run(email, func(t *testing.T) {
			content := "users:\n  alice:\n    email: alice@example.com\n    password: \"" + argonHash + "\"\n  mallory:\n    email: \"" + email + "\"\n    password: \"" + argonHash + "\"\n"
			path := filepath.Join(t.TempDir(), "users.yaml")
			writeUsers(t, path, content)
			if b, err := fileusers.New(path, "US", nil); err == nil {
				t.Errorf("users.yaml with alice@example.com and %q loaded (%d accounts)", email, b.Users())
			} else if !strings.Contains(err.Error(), "users.yaml:6:") {
				t.Errorf("the error does not name the entry to change (line 6):\n%v", err)
			}
		})
	}
}
