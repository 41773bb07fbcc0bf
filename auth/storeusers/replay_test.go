package storeusers_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestReplayNeverUndoesALaterWrite: gateway A takes mallory out of
// admins, gateway B puts her back, A takes her out again; every write
// reached the new master, which then takes over. A replays first (its
// entries find the record changed since, and are skipped); then B's
// entry ("was without admins, now with") finds a record without admins.
// Before, the record was then byte for byte what B's entry replaced, so
// the replay put mallory back in admins, undoing the last acknowledged
// change; every write now leaves bytes of its own (docs/contract.md,
// "Failover durability").
func TestReplayNeverUndoesALaterWrite(t *testing.T) {
	ctx := context.Background()
	oldAddr, newAddr := testredis.Start(t), testredis.Start(t)
	ja, jb := redisstore.NewJournal(time.Minute, 0, nil), redisstore.NewJournal(time.Minute, 0, nil)
	a := storeusers.New(redisstore.New(replayClient(t, oldAddr, ja), "p:", time.Second).WithJournal(ja), "")
	b := storeusers.New(redisstore.New(replayClient(t, oldAddr, jb), "p:", time.Second).WithJournal(jb), "")
	if err := a.Add(ctx, &auth.User{Username: "mallory", PasswordHash: hash, Groups: []string{"admins"}}); err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		be     *storeusers.Backend
		groups []string
	}{{a, nil}, {b, []string{"admins"}}, {a, nil}} {
		if err := w.be.SetGroups(ctx, "mallory", w.groups); err != nil {
			t.Fatal(err)
		}
	}
	// The new master has every write (a planned failover, fully
	// replicated): copy the keys over.
	fresh := replayClient(t, newAddr, nil)
	replicate(ctx, t, replayClient(t, oldAddr, nil), fresh)
	// Gateway A reaches the new master first, then B.
	for _, j := range []*redisstore.Journal{ja, jb} {
		if err := replayClient(t, newAddr, j).Ping(ctx).Err(); err != nil {
			t.Fatal(err)
		}
	}
	after := storeusers.New(redisstore.New(fresh, "p:", time.Second), "")
	u, err := after.Lookup(ctx, "mallory")
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(u.Groups, "admins") {
		t.Fatalf("after the replay mallory is in %v: the last acknowledged change (out of admins) was undone", u.Groups)
	}
}
