package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestJournalCatchesUpAPooledConnection: during a failover the sentinels
// name the promoted replica before the clients are told, so the pool
// dials it (and catches it up) while pooled connections still write to
// the old master. A code spent and a logout acknowledged there after that
// dial must reach the new master even when the pool never dials again:
// once told, the client drops only the old master's connections and goes
// on with the one it has (docs/contract.md, "Failover durability").
func TestJournalCatchesUpAPooledConnection(t *testing.T) {
	ctx := context.Background()
	oldAddr, newAddr := testredis.Start(t), testredis.Start(t)
	j := redisstore.NewJournal(time.Minute, 0, nil)
	raw := newClient(t, newAddr, time.Second) // the promoted replica, seen from outside

	// What the old master had replicated before the promotion.
	for _, addr := range []string{oldAddr, newAddr} {
		c := newClient(t, addr, time.Second)
		for _, k := range []string{"p:s:stolen", "p:otp:{c2}:c"} {
			if err := c.Set(ctx, k, "v", time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	st := redisstore.New(replayClient(t, oldAddr, j), "p:", time.Second).WithJournal(j)

	// The pool's first connection to the promoted replica: caught up.
	toNew := replayClient(t, newAddr, j)
	if err := toNew.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// Then the old master acknowledges a revocation and a spent code,
	// and is demoted: they are lost.
	for _, k := range []string{"s:stolen", "otp:{c2}:c"} {
		if _, err := st.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	// The gateway goes on over the connection it has, and watches.
	stop := j.Watch(ctx, toNew)
	defer func() { _ = stop() }()
	time.Sleep(time.Second)

	// Read from outside first: a read through the gateway could dial.
	if n, _ := raw.Exists(ctx, "p:s:stolen").Result(); n != 0 {
		t.Error("a session revoked before the failover is accepted again")
	}
	if n, _ := raw.Exists(ctx, "p:otp:{c2}:c").Result(); n != 0 {
		t.Error("an SMS code spent before the failover can be consumed a second time")
	}
	nst := redisstore.New(toNew, "p:", time.Second).WithJournal(j)
	if won, err := nst.Delete(ctx, "otp:{c2}:c"); err != nil || won {
		t.Errorf("the spent code's challenge is consumed again (won %v, %v)", won, err)
	}
}
