package storeusers_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestFailoverKeepsANumberToOneAccount: a change of bob's number,
// acknowledged by the old master and lost by the failover, is written
// again on the new master whole: his record, and the claim that keeps
// the number from every other account, for as long as he has it
// (docs/contract.md, "Failover durability"). Before, only the record was
// replayed: the new master had bob with the number and nothing claiming
// it, so the next account given it (an administrator's create, a
// sign-up) got it too, and a sign-in by the number named that account
// while bob's codes went to it. And a sign-up's activation, which keeps
// the reservation's claim for good (an extension of its TTL, not
// journaled), came back as bob's account with a claim that expired with
// the reservation a few minutes later: then the number was free again.
// And a number whose claim a gone account left behind (stale), taken
// over by a compare-and-set that was not journaled, came back claimed by
// the gone account: it named nobody, and gave way to the next account.
func TestFailoverKeepsANumberToOneAccount(t *testing.T) {
	const bobs, moved = "+12015550101", "+12015550109"
	const reservation = time.Second // a sign-up's hold (3 × otp.ttl)
	for _, tc := range []struct {
		name   string
		number string
		// before is acknowledged by both masters, lost by the old only.
		before func(ctx context.Context, b *storeusers.Backend, c redis.UniversalClient) error
		lost   func(ctx context.Context, b *storeusers.Backend) error
		wait   time.Duration // after the failover, before carol
	}{
		{"a move to a new number", moved,
			func(ctx context.Context, b *storeusers.Backend, _ redis.UniversalClient) error {
				return b.Add(ctx, user("bob", "", bobs))
			},
			func(ctx context.Context, b *storeusers.Backend) error { return b.SetPhone(ctx, "bob", moved) },
			0},
		{"a stale claim taken over", moved,
			func(ctx context.Context, b *storeusers.Backend, c redis.UniversalClient) error {
				if err := b.Add(ctx, user("bob", "", bobs)); err != nil {
					return err
				}
				// Left by dave, gone an hour ago.
				return c.Set(ctx, "p:user:p:"+moved, "dave", auth.Forever-time.Hour).Err()
			},
			func(ctx context.Context, b *storeusers.Backend) error { return b.SetPhone(ctx, "bob", moved) },
			0},
		{"a sign-up's number", bobs,
			func(ctx context.Context, b *storeusers.Backend, _ redis.UniversalClient) error {
				return b.Reserve(ctx, user("bob", "", bobs), reservation)
			},
			func(ctx context.Context, b *storeusers.Backend) error { return b.Activate(ctx, "bob", bobs) },
			reservation + 200*time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			oldAddr, newAddr := testredis.Start(t), testredis.Start(t)
			j := redisstore.NewJournal(time.Minute, 0, nil)
			gw := storeusers.New(redisstore.New(replayClient(t, oldAddr, j), "p:", time.Second).WithJournal(j), "")
			old, fresh := replayClient(t, oldAddr, nil), replayClient(t, newAddr, nil)
			if err := tc.before(ctx, gw, old); err != nil {
				t.Fatal(err)
			}
			// The promoted replica had everything up to here.
			replicate(ctx, t, old, fresh)
			if err := tc.lost(ctx, gw); err != nil {
				t.Fatal(err)
			}
			// The same gateway now reaches the new master.
			after := storeusers.New(redisstore.New(replayClient(t, newAddr, j), "p:", time.Second).WithJournal(j), "")
			if u, err := after.Lookup(ctx, "bob"); err != nil || u.Phone != tc.number {
				t.Fatalf("bob after the failover: %+v, %v; want him with %s (the record is replayed)", u, err, tc.number)
			}
			time.Sleep(tc.wait)
			if err := after.Add(ctx, user("carol", "", tc.number)); !errors.Is(err, auth.ErrExists) {
				t.Errorf("carol created with bob's number after the failover: %v; want it refused as taken", err)
			}
			if u, err := after.Lookup(ctx, tc.number); err != nil || u.Username != "bob" {
				t.Errorf("a sign-in by bob's number names %+v, %v; want bob", u, err)
			}
		})
	}
}
