package storeusers_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// stores runs f against the memory store and a real Redis, with the
// store itself, to look at the keys the backend leaves.
func stores(t *testing.T, f func(t *testing.T, st storeusers.Store, advance func(time.Duration))) {
	t.Run("memory", func(t *testing.T) {
		clock := storetest.NewClock(time.Now())
		f(t, memstore.New(clock), clock.Advance)
	})
	t.Run("redis", func(t *testing.T) {
		client, err := redisstore.NewClient(config.Redis{Addrs: []string{testredis.Start(t)}, DialTimeout: time.Second, OpTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { client.Close() })
		f(t, redisstore.New(client, "t:", time.Second), time.Sleep)
	})
}

// TestAbandonedSignupsLeaveNothing: a sign-up whose code never comes back
// expires with everything it wrote. Sign-ups are open to anyone, so what
// one left behind for good would grow with every abandoned sign-up (up
// to otp.budget's sends a day from strangers) for as long as the
// gateway runs (docs/contract.md, "Store housekeeping").
func TestAbandonedSignupsLeaveNothing(t *testing.T) {
	stores(t, func(t *testing.T, st storeusers.Store, advance func(time.Duration)) {
		ctx := t.Context()
		b := storeusers.New(st, "")
		const abandoned = 20
		for i := range abandoned {
			u := user(fmt.Sprintf("drifter%02d", i), fmt.Sprintf("d%d@example.com", i), fmt.Sprintf("+1201555%04d", 300+i))
			u.Groups = []string{"members"}
			if err := b.Reserve(ctx, u, 200*time.Millisecond); err != nil {
				t.Fatal(err)
			}
		}
		kept := user("keeper", "keeper@example.com", "+12015550399")
		kept.Groups = []string{"members"}
		if err := b.Reserve(ctx, kept, 200*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if err := b.Activate(ctx, "keeper", kept.Phone); err != nil {
			t.Fatal(err)
		}
		advance(300 * time.Millisecond)

		all, err := st.SMembers(ctx, "user:all")
		if err != nil {
			t.Fatal(err)
		}
		ix, err := st.ZAfter(ctx, "user:ix", "", 100)
		if err != nil {
			t.Fatal(err)
		}
		group, err := st.SMembers(ctx, "user:g:members")
		if err != nil {
			t.Fatal(err)
		}
		for name, got := range map[string][]string{"user:all": all, "user:ix": ix, "user:g:members": group} {
			if len(got) != 1 || got[0] != "keeper" {
				t.Errorf("%s = %q after %d sign-ups expired; want only the activated account", name, got, abandoned)
			}
		}
		if page, _, err := b.Page(ctx, "", 50); err != nil || len(page) != 1 {
			t.Errorf("Page = %d accounts, %v; want the activated one", len(page), err)
		}
	})
}
