package storeusers_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestFailoverKeepsANewAccountListed: an account a gateway made (the
// console's create, a sign-up's activation) whose record reached the
// promoted replica while the entry of "user:all" did not is still in
// `gatehouse user list` after the failover, as it is in the console's
// list (docs/contract.md, "Failover durability": both are indexes, and
// the journal adds their entries again). Before, "user:all" was not
// journaled: the account signed in and the console listed it, while the
// operator's list, where one reviews who holds an account, did not.
func TestFailoverKeepsANewAccountListed(t *testing.T) {
	ctx := context.Background()
	oldAddr, newAddr := testredis.Start(t), testredis.Start(t)
	j := redisstore.NewJournal(time.Minute, 0, nil)
	gw := storeusers.New(redisstore.New(replayClient(t, oldAddr, j), "p:", time.Second).WithJournal(j), "")
	if err := gw.Add(ctx, user("alice", "", "")); err != nil {
		t.Fatal(err)
	}
	// The promoted replica had the account's record, not the lists'.
	old, fresh := replayClient(t, oldAddr, nil), replayClient(t, newAddr, nil)
	rec, err := old.Dump(ctx, "p:user:r:alice").Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.RestoreReplace(ctx, "p:user:r:alice", 0, rec).Err(); err != nil {
		t.Fatal(err)
	}

	// The same gateway now reaches the new master.
	after := storeusers.New(redisstore.New(replayClient(t, newAddr, j), "p:", time.Second).WithJournal(j), "")
	if u, err := after.Lookup(ctx, "alice"); err != nil || u.Username != "alice" {
		t.Fatalf("alice after the failover: %+v, %v; want her account (its record reached the replica)", u, err)
	}
	page, _, err := after.Search(ctx, "", "", 50)
	if err != nil || len(page) != 1 || page[0].Username != "alice" {
		t.Errorf("the console's list after the failover: %d accounts, %v; want alice", len(page), err)
	}
	list, err := after.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Username != "alice" {
		t.Errorf("gatehouse user list after the failover: %d accounts; want alice", len(list))
	}
}
