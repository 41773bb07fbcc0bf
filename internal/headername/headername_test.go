package headername_test

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/headername"
)

// TestSpellingsAnAppReadsAsOneNameFoldAlike: every spelling a CGI server,
// PHP, Rack or WSGI reads as X-Auth-User folds to the same name, and a
// name an app reads as another header does not.
func TestSpellingsAnAppReadsAsOneNameFoldAlike(t *testing.T) {
	for _, name := range []string{"X-Auth-User", "x_auth_user", "X.Auth.User", "X~Auth~User", "X-AUTH_user", "X!Auth*User"} {
		if got := headername.Normal(name); got != "x-auth-user" {
			t.Errorf("Normal(%q) = %q, want x-auth-user", name, got)
		}
	}
	for _, name := range []string{"X-Auth-Users", "XAuth-User", "X-Auth-User2"} {
		if got := headername.Normal(name); got == "x-auth-user" {
			t.Errorf("Normal(%q) = %q: another header read as X-Auth-User", name, got)
		}
	}
}
