package storeusers_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

func names(us []*auth.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Username
	}
	return out
}

// TestPageVisitsEveryAccountOnce: paging by cursor lists every active
// account once, in username order, and none of the pending or deleted.
func TestPageVisitsEveryAccountOnce(t *testing.T) {
	backends(t, func(t *testing.T, b *storeusers.Backend, _ func(time.Duration)) {
		ctx := context.Background()
		var want []string
		for i := 120; i > 0; i-- {
			n := fmt.Sprintf("u%03d", i)
			if err := b.Add(ctx, user(n, n+"@example.com", "")); err != nil {
				t.Fatal(err)
			}
			want = append(want, n)
		}
		slices.Sort(want)
		if err := b.Reserve(ctx, user("u050x", "p@example.com", ""), time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := b.Delete(ctx, "u007"); err != nil {
			t.Fatal(err)
		}
		want = slices.DeleteFunc(want, func(s string) bool { return s == "u007" })
		var got []string
		cursor, pages := "", 0
		for {
			page, next, err := b.Page(ctx, cursor, 50)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > 50 {
				t.Fatalf("page of %d", len(page))
			}
			got = append(got, names(page)...)
			pages++
			if next == "" {
				break
			}
			cursor = next
		}
		if !slices.Equal(got, want) || pages != 3 {
			t.Fatalf("%d pages, %d accounts; want 3 pages of %d in order (first %q)", pages, len(got), len(want), got[:min(3, len(got))])
		}
	})
}

// TestSearchIsBounded: a query that matches nothing reads at most
// SearchScanLimit records and answers with a cursor to go on from; going
// on finds the match past the bound.
func TestSearchIsBounded(t *testing.T) {
	backends(t, func(t *testing.T, b *storeusers.Backend, _ func(time.Duration)) {
		ctx := context.Background()
		total := storeusers.SearchScanLimit + 30
		for i := range total {
			n := fmt.Sprintf("p%05d", i)
			u := user(n, "", "")
			u.DisplayName = "Someone"
			if i == total-5 {
				u.DisplayName = "Zelda Needle"
			}
			if err := b.Add(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		page, next, err := b.Search(ctx, "needle", "", 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != 0 || next == "" {
			t.Fatalf("first page: %v, next %q; want none yet and a cursor (the bound)", names(page), next)
		}
		page, next, err = b.Search(ctx, "NEEDLE", next, 50)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(page); len(got) != 1 || got[0] != fmt.Sprintf("p%05d", total-5) || next != "" {
			t.Fatalf("second page: %v, next %q", got, next)
		}
	})
}

// TestIndexBuiltForAnOldStore: accounts written before the index existed
// are listed, and their groups counted, after a one-time build.
func TestIndexBuiltForAnOldStore(t *testing.T) {
	backends(t, func(t *testing.T, b *storeusers.Backend, _ func(time.Duration)) {
		ctx := context.Background()
		for _, n := range []string{"carol", "alice", "bob"} {
			u := user(n, n+"@example.com", "")
			if n != "bob" {
				u.Groups = []string{"admins"}
			}
			if err := b.Add(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		st := storeusers.StoreOf(b)
		// What a store written by an older gateway lacks.
		for _, k := range []string{"user:ix", "user:ix:built", "user:g:admins"} {
			if _, err := st.Delete(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		fresh := storeusers.New(st, "")
		page, _, err := fresh.Page(ctx, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(page); !slices.Equal(got, []string{"alice", "bob", "carol"}) {
			t.Fatalf("after the build: %v", got)
		}
		admins, err := fresh.GroupMembers(ctx, "admins")
		if err != nil {
			t.Fatal(err)
		}
		got := names(admins)
		slices.Sort(got)
		if !slices.Equal(got, []string{"alice", "carol"}) {
			t.Fatalf("admins = %v", got)
		}
	})
}

// TestGroupsAndInvites: groups can be changed (the group sets follow),
// an invited account has no password, and clearing one leaves none.
func TestGroupsAndInvites(t *testing.T) {
	backends(t, func(t *testing.T, b *storeusers.Backend, _ func(time.Duration)) {
		ctx := context.Background()
		inv := &auth.User{Username: "dave", Email: "dave@example.com", Groups: []string{"admins"}}
		if _, err := b.Invite(ctx, inv, false); err != nil {
			t.Fatal(err)
		}
		u, err := b.Lookup(ctx, "dave@example.com")
		if err != nil || u.PasswordHash != "" || !u.InGroup([]string{"admins"}) {
			t.Fatalf("invited = %+v, %v", u, err)
		}
		if err := b.SetGroups(ctx, "dave", []string{"staff"}); err != nil {
			t.Fatal(err)
		}
		if admins, _ := b.GroupMembers(ctx, "admins"); len(admins) != 0 {
			t.Fatalf("admins after the change: %v", names(admins))
		}
		if staff, _ := b.GroupMembers(ctx, "staff"); !slices.Equal(names(staff), []string{"dave"}) {
			t.Fatalf("staff: %v", names(staff))
		}
		if err := b.Add(ctx, user("erin", "", "")); err != nil {
			t.Fatal(err)
		}
		before, _ := b.Lookup(ctx, "erin")
		if err := b.ClearPassword(ctx, "erin"); err != nil {
			t.Fatal(err)
		}
		after, _ := b.Lookup(ctx, "erin")
		if after.PasswordHash != "" || after.Generation == before.Generation {
			t.Fatalf("cleared: hash %q, generation kept %v", after.PasswordHash, after.Generation == before.Generation)
		}
		if err := b.Delete(ctx, "dave"); err != nil {
			t.Fatal(err)
		}
		if staff, _ := b.GroupMembers(ctx, "staff"); len(staff) != 0 {
			t.Fatalf("staff after the delete: %v", names(staff))
		}
	})
}
