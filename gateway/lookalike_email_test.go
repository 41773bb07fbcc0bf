package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestLookAlikeEmailsAreRefused: an app matching accounts by X-Auth-Email
// (or the assertion's email) folds it as it folds names (NFKC, invisible
// characters dropped, case folded through upper case), so
// "ａlice@example.com" (fullwidth a, as a Japanese input method types it),
// alice@example.com with a zero-width space, or alice@fırm.example with a
// dotless ı (upper-cased to I, as MySQL's _ci collations and .NET's
// invariant upper case read it) is alice's address to it. Neither a sign-up (whose email an
// administrator may later vouch for, copying what the console shows, the
// same to the eye) nor the console's create (vouched for at once) takes
// such an address: 400 invalid_input naming the email, and no account
// (docs/contract.md, "Names an app reads as one").
func TestLookAlikeEmailsAreRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	for i, lookAlike := range []func(name string) string{
		func(name string) string { return string(rune(0xFF41)+rune(name[0]-'a')) + name[1:] + "@example.com" }, // a fullwidth first letter
		func(name string) string { return name + "@ｅxample.com" },                                              // a fullwidth e in the domain
		func(name string) string { return name + "\u200b@example.com" },                                        // zero-width space
		func(name string) string { return "\u202e" + name + "@example.com" },                                   // right-to-left override
		func(name string) string { return name[:1] + "\u00ad" + name[1:] + "@example.com" },                    // soft hyphen
		func(name string) string { return name + "@f\u0131rm.example" },                                        // a dotless ı, which apps upper-case to I
		func(name string) string { return name + "@\u03c3\u03b9\u03c2.example" },                               // a final ς, which apps read as σ
	} {
		t.Run(fmt.Sprintf("%+q", lookAlike("alice")), func(t *testing.T) {
			mallory := fmt.Sprintf("mallory%d", i)
			email := lookAlike("alice")
			r := h.newClient(t).api(crmHost, "signup", map[string]string{"username": mallory, "email": email,
				"password": "a long unusual passphrase", "phone": fmt.Sprintf("+1201555018%d", i), "name": "Mallory"})
			if r.status != http.StatusBadRequest || fields(t, r)["email"] == nil {
				t.Errorf("sign-up with %+q: %d %s; want 400 naming the email", email, r.status, r.body)
			}
			eve := fmt.Sprintf("eve%d", i)
			email = lookAlike("bob")
			r = admin.api(authHost, "admin/users", map[string]any{"username": eve, "name": "Eve", "email": email})
			if r.status != http.StatusBadRequest || fields(t, r)["email"] == nil {
				t.Errorf("console create with %+q: %d %s; want 400 naming the email", email, r.status, r.body)
			}
			for _, name := range []string{mallory, eve} {
				if _, err := h.users.Pending(context.Background(), name); !errors.Is(err, auth.ErrUserNotFound) {
					t.Errorf("%s is pending (%v): a sign-up with a look-alike email was taken", name, err)
				}
				if u, err := h.users.Lookup(context.Background(), name); !errors.Is(err, auth.ErrUserNotFound) {
					t.Errorf("%s exists with email %+q (%v)", name, u.Email, err)
				}
			}
		})
	}
}
