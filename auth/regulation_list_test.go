package auth_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestBanList: the console lists live bans by whom they hold (an
// account, a name typed with a phone number masked, an address; an IPv6
// client as its /64), a page at a time; lifting one by its handle lets
// its subject in again, and a handle Bans never gives is refused.
func TestBanList(t *testing.T) {
	regulationStores(t, map[string]func(t *testing.T, w regWorld){
		"listed, paged and lifted": func(t *testing.T, w regWorld) {
			ctx := context.Background()
			w.fail(t, w.cfg.MaxFailures, "alice", "")
			w.fail(t, w.cfg.MaxFailures, "+12015550123", "")
			w.fail(t, w.cfg.MaxFailures*auth.IPFactor, "", "2001:db8:1:2::7")
			var all []auth.Ban
			for cursor := ""; ; {
				page, next, err := w.r.Bans(ctx, cursor, 2)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > 2 {
					t.Fatalf("a page of %d", len(page))
				}
				all = append(all, page...)
				if next == "" {
					break
				}
				cursor = next
			}
			var seen []string
			for _, b := range all {
				if b.Reason != auth.ReasonBanned || b.RemainingSeconds <= 0 {
					t.Errorf("ban %+v", b)
				}
				seen = append(seen, b.Kind+" "+b.Subject)
			}
			slices.Sort(seen)
			want := []string{"account +1 ••• ••• 0123", "account alice", "address 2001:db8:1:2::/64"}
			if !slices.Equal(seen, want) {
				t.Fatalf("bans = %q, want %q", seen, want)
			}
			for _, b := range all {
				if b.Subject != "alice" {
					continue
				}
				lifted, err := w.r.LiftHandle(ctx, b.Handle)
				if err != nil || lifted.Subject != "alice" {
					t.Fatalf("LiftHandle = %+v, %v", lifted, err)
				}
			}
			w.want(t, "alice", "", "")
			w.want(t, "", "2001:db8:1:2::99", auth.ReasonBanned)
			if left, _, _ := w.r.Bans(ctx, "", 10); len(left) != 2 {
				t.Fatalf("%d bans left, want 2", len(left))
			}
			for _, h := range []string{"", "ban:u:short", "n:u:" + all[0].Handle[6:], "ban:x:" + all[0].Handle[6:], "../../etc"} {
				if _, err := w.r.LiftHandle(ctx, h); !errors.Is(err, auth.ErrInvalidInput) {
					t.Errorf("LiftHandle(%q) = %v, want ErrInvalidInput", h, err)
				}
			}
		},
	})
}
