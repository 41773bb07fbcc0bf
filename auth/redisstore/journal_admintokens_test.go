package redisstore_test

import (
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestJournalKeepsALiveAdminTokenListed: an admin token made through a
// gateway in the second a failover loses, whose record reached the
// promoted replica but not its entry in the list of tokens (written
// right after it), is listed after the failover: the entry is replayed
// as an index's (docs/contract.md, "Failover durability"). Before, the
// list was not journaled: a token that worked was missing from
// `gatehouse admin token list` and the console, so an administrator
// reviewing the tokens to revoke the ones not wanted never saw it.
func TestJournalKeepsALiveAdminTokenListed(t *testing.T) {
	ctx := t.Context()
	oldAddr, newAddr := testredis.Start(t), testredis.Start(t)
	key := []byte("admin-token-names-key-of-the-test")
	rawOld, rawNew := newClient(t, oldAddr, time.Second), newClient(t, newAddr, time.Second)

	j := redisstore.NewJournal(time.Minute, 0, nil)
	a := auth.NewAdminTokens(redisstore.New(replayClient(t, oldAddr, j), "p:", time.Second).WithJournal(j), key, nil)
	token, err := a.Create(ctx, "nightly", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// The promoted replica had the token's record, not the list's entry.
	copyKeys(ctx, t, rawOld, rawNew, "p:admtok:nightly")

	na := auth.NewAdminTokens(redisstore.New(replayClient(t, newAddr, j), "p:", time.Second).WithJournal(j), key, nil)
	if name, err := na.Verify(ctx, token); err != nil || name != "nightly" {
		t.Fatalf("the token after the failover: %q, %v; want it to work (its record reached the replica)", name, err)
	}
	list, err := na.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Name != "nightly" {
		t.Errorf("tokens listed after the failover: %+v; want the working token nightly", list)
	}
}
