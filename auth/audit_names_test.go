package auth_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestTypedNamesNeverReachTheAudit: a name typed that no account has may
// be a password typed into the wrong field. A wrong password's
// login_failed never carried it, but once a ban was involved it was
// audited verbatim (and kept as the ban's label the console shows): a
// person behind a banned address who pasted their password into the
// username field put it in the logs. Now such a name is shown as
// auth.UnknownName; an account's name still shows.
func TestTypedNamesNeverReachTheAudit(t *testing.T) {
	w := newLoginWorld(t)
	ctx := context.Background()
	// A sprayer behind the same address gets it banned.
	for i := range 50 {
		_, _ = w.login.Password(ctx, client, nil, auth.PasswordIn{Login: fmt.Sprintf("spray%d", i), Password: "nope nope", NeedsCode: neverCode})
	}
	secret := "my-secret-passw0rd!"
	_, _ = w.login.Password(ctx, client, nil, auth.PasswordIn{Login: secret, Password: "", NeedsCode: neverCode})
	sawUnknown := false
	for _, e := range w.events.events {
		if strings.Contains(strings.ToLower(e.User), strings.ToLower(secret)) || strings.HasPrefix(e.User, "spray") {
			t.Fatalf("audit event %q carries the typed login %q as its user", e.Name, e.User)
		}
		sawUnknown = sawUnknown || e.User == auth.UnknownName
	}
	if !sawUnknown {
		t.Errorf("no ban event names %q: %+v", auth.UnknownName, w.events.events)
	}
}
