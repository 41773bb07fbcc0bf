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
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestFailoverKeepsANumberToOneAccount: bob's move to a new number,
// acknowledged by the old master and lost by the failover, is written
// again on the new master whole: his record, and the claim that keeps
// the number from every other account (docs/contract.md, "Failover
// durability"). Before, only the record was replayed: the new master had
// bob with the number and nothing claiming it, so the next account given
// it (an administrator's create, a sign-up) got it too, and a sign-in by
// the number named that account while bob's codes went to it.
func TestFailoverKeepsANumberToOneAccount(t *testing.T) {
	ctx := context.Background()
	const bobs, moved = "+12015550101", "+12015550109"
	oldAddr, newAddr := testredis.Start(t), testredis.Start(t)
	client := func(addr string, j *redisstore.Journal) redis.UniversalClient {
		var opts []redisstore.ClientOption
		if j != nil {
			opts = append(opts, redisstore.WithReplay(j))
		}
		c, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, DialTimeout: time.Second, OpTimeout: time.Second}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	j := redisstore.NewJournal(time.Minute, 0, nil)
	gw := storeusers.New(redisstore.New(client(oldAddr, j), "p:", time.Second).WithJournal(j), "")
	if err := gw.Add(ctx, user("bob", "", bobs)); err != nil {
		t.Fatal(err)
	}
	// The promoted replica had everything up to here.
	old, fresh := client(oldAddr, nil), client(newAddr, nil)
	keys, err := old.Keys(ctx, "p:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		v, err := old.Dump(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		ttl, err := old.PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if err := fresh.RestoreReplace(ctx, k, ttl, v).Err(); err != nil {
			t.Fatal(err)
		}
	}
	// Acknowledged by the old master only.
	if err := gw.SetPhone(ctx, "bob", moved); err != nil {
		t.Fatal(err)
	}
	// The same gateway now reaches the new master.
	after := storeusers.New(redisstore.New(client(newAddr, j), "p:", time.Second).WithJournal(j), "")
	if u, err := after.Lookup(ctx, "bob"); err != nil || u.Phone != moved {
		t.Fatalf("bob after the failover: %+v, %v; want his new number (the record is replayed)", u, err)
	}
	if err := after.Add(ctx, user("carol", "", moved)); !errors.Is(err, auth.ErrExists) {
		t.Errorf("carol created with bob's number after the failover: %v; want it refused as taken", err)
	}
	if u, err := after.Lookup(ctx, moved); err != nil || u.Username != "bob" {
		t.Errorf("a sign-in by bob's number names %+v, %v; want bob", u, err)
	}
}
