package fileusers_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth/fileusers"
)

// A key given twice in the users file is refused, never read as its last
// value: "disabled: true" written above an old "disabled: false", or a
// new password above the old one, would otherwise change nothing while
// the file says it did (docs/contract.md, "users.yaml (file backend)").
func TestUsersFileKeyGivenTwiceIsRefused(t *testing.T) {
	const other = "$argon2id$v=19$m=65536,t=2,p=1$b3RoZXJzYWx0$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"disabled then enabled", "users:\n  mallory:\n    disabled: true\n    password: \"" + argonHash + "\"\n    disabled: false\n",
			`users.yaml:5: users.mallory: key "disabled" is already set on line 3`},
		{"new password above the old", "users:\n  mallory:\n    password: \"" + other + "\"\n    groups: [staff]\n    password: \"" + argonHash + "\"\n",
			`users.yaml:5: users.mallory: key "password" is already set on line 3`},
		{"groups taken away above the old", "users:\n  mallory:\n    groups: []\n    password: \"" + argonHash + "\"\n    groups: [admins]\n",
			`users.yaml:5: users.mallory: key "groups" is already set on line 3`},
		{"force_two_factor", "users:\n  mallory:\n    force_two_factor: true\n    password: \"" + argonHash + "\"\n    force_two_factor: false\n",
			`users.yaml:5: users.mallory: key "force_two_factor" is already set on line 3`},
		{"users twice", "users:\n  alice:\n    password: \"" + argonHash + "\"\nusers:\n  mallory:\n    password: \"" + argonHash + "\"\n",
			`users.yaml:4: key "users" is already set on line 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "users.yaml")
			writeUsers(t, path, tt.content)
			b, err := fileusers.New(path, "US", nil)
			if err == nil {
				t.Fatalf("New accepted the file (%d users)", b.Users())
			}
			msg := strings.ReplaceAll(err.Error(), path, "users.yaml")
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error does not contain %q:\n%s", tt.want, msg)
			}
			if strings.Contains(msg, "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc") {
				t.Errorf("error quotes a password hash:\n%s", msg)
			}
		})
	}
}
