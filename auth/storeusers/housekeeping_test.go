package storeusers_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
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

// failingRecords is a memory store whose account record writes fail
// while broken is set: a Redis that drops the connection mid-change.
type failingRecords struct {
	*memstore.Store
	broken bool
}

func (f *failingRecords) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if f.broken && strings.HasPrefix(key, storeusers.RecordKeyPrefix) {
		return fmt.Errorf("record write: %w", auth.ErrStoreUnavailable)
	}
	return f.Store.Set(ctx, key, value, ttl)
}

func (f *failingRecords) CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	if f.broken && strings.HasPrefix(key, storeusers.RecordKeyPrefix) {
		return false, fmt.Errorf("record write: %w", auth.ErrStoreUnavailable)
	}
	return f.Store.CompareAndSwap(ctx, key, old, value, ttl)
}

// TestFailedChangeReleasesItsClaim: a phone or email change whose record
// write fails takes back its claim on the new value. Kept, the claim
// would hold the number or email for good for an account that does not
// have it: nobody could take it, the account itself included.
func TestFailedChangeReleasesItsClaim(t *testing.T) {
	tests := []struct {
		field  string
		change func(ctx context.Context, b *storeusers.Backend) error
	}{
		{"phone", func(ctx context.Context, b *storeusers.Backend) error {
			return b.SetPhone(ctx, "alice", "+12015550177")
		}},
		{"email", func(ctx context.Context, b *storeusers.Backend) error {
			return b.SetEmail(ctx, "alice", "new@example.com")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			ctx := t.Context()
			st := &failingRecords{Store: memstore.New(nil)}
			b := storeusers.New(st, "")
			for _, u := range []*auth.User{user("alice", "alice@example.com", "+12015550100"), user("bob", "bob@example.com", "+12015550101")} {
				if err := b.Add(ctx, u); err != nil {
					t.Fatal(err)
				}
			}
			st.broken = true
			if err := tt.change(ctx, b); !errors.Is(err, auth.ErrStoreUnavailable) {
				t.Fatalf("change with the store failing: %v, want ErrStoreUnavailable", err)
			}
			st.broken = false
			// The value is free: the account itself can have it now.
			if err := tt.change(ctx, b); err != nil {
				t.Errorf("the same change once the store is back: %v, want it to work (the failed one kept its claim)", err)
			}
		})
	}
}
