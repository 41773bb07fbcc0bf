package auth_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestListAllIsBounded: the console's list of every session reads at
// most SessionsScanLimit users a page, however many signed in once and
// signed out since, and its cursor reaches the live ones past them;
// users found without a session leave the index.
func TestListAllIsBounded(t *testing.T) {
	m, _ := indexedSessions(t)
	ctx := context.Background()
	lookups := 0
	lookup := func(_ context.Context, name string) (*auth.User, error) {
		lookups++
		return account(name), nil
	}
	gone := auth.SessionsScanLimit + 20
	for i := range gone {
		name := fmt.Sprintf("a%04d", i)
		login(t, m, name, false)
		if _, err := m.RevokeUser(ctx, name, ""); err != nil {
			t.Fatal(err)
		}
	}
	login(t, m, "zed", false)
	login(t, m, "zed", false)

	page, next, err := m.ListAll(ctx, lookup, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 0 || next == "" || lookups != auth.SessionsScanLimit {
		t.Fatalf("first page: %d users, next %q, %d lookups; want none, a cursor, %d lookups", len(page), next, lookups, auth.SessionsScanLimit)
	}
	page, next, err = m.ListAll(ctx, lookup, next, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 1 || page[0].User != "zed" || len(page[0].Sessions) != 2 || next != "" {
		t.Fatalf("second page: %+v, next %q", page, next)
	}
	lookups = 0
	if page, _, _ := m.ListAll(ctx, lookup, "", 50); len(page) != 1 || lookups != 1 {
		t.Fatalf("after the users without sessions left the index: %d users, %d lookups", len(page), lookups)
	}
}
