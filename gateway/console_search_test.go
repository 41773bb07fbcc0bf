package gateway_test

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

// TestConsoleSearchPastItsBound: a search that reads its 2,000 accounts
// without a match says so and offers the next ones (before: "No account
// matches." above a link to more), and the next page finds the account.
func TestConsoleSearchPastItsBound(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withAccounts)
	hash, err := testHasher.Hash(t.Context(), "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	for i := range storeusers.SearchScanLimit {
		u := &auth.User{Username: fmt.Sprintf("a%05d", i), Email: fmt.Sprintf("a%05d@example.com", i), PasswordHash: hash}
		if err := h.users.Add(t.Context(), u); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.users.Add(t.Context(), &auth.User{Username: "zz-needle", Email: "needle@example.com", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	first := string(admin.browse(authHost, prefix+"/admin/?q=needle").body)
	if strings.Contains(first, "No account matches.") || !strings.Contains(first, "Search the next accounts") {
		t.Fatalf("a search stopped by its bound reads as a final answer:\n%s", first)
	}
	m := nextAccounts.FindStringSubmatch(first)
	if m == nil {
		t.Fatal("no link to the next accounts")
	}
	next := string(admin.browse(authHost, html.UnescapeString(m[1])).body)
	if !strings.Contains(next, "zz-needle") {
		t.Fatalf("the next page does not find the account:\n%s", next)
	}
}

var nextAccounts = regexp.MustCompile(`<a href="([^"]+cursor=[^"]+)">Search the next accounts</a>`)
