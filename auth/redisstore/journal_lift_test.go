package redisstore_test

import (
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestJournalNeverBringsBackABanAnotherGatewayLifted: a ban set through
// one gateway and lifted through another (an administrator's unban in
// the console, a new authenticator app ending the old one's lock) stays
// lifted. The gateway that set it journals it, to set it again if
// absent on a master that lost it, and catches up its master on every
// new connection; only the lifting gateway forgot its own copy, so the
// next connection the other opened within the replay window set the
// lifted ban again for the time it had left (docs/contract.md, "Failover
// durability"). A ban set again after the lift is still replayed where a
// failover lost it.
func TestJournalNeverBringsBackABanAnotherGatewayLifted(t *testing.T) {
	ctx := t.Context()
	tests := []struct {
		name string
		key  string
		ttl  time.Duration
	}{
		{"an account's ban", "reg:ban:u:bob", 15 * time.Minute},
		{"an app's lock", "reg:lock:t:bob", 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := testredis.Start(t)
			ja, jb := redisstore.NewJournal(time.Minute, 0, nil), redisstore.NewJournal(time.Minute, 0, nil)
			a := redisstore.New(replayClient(t, addr, ja), "p:", time.Second).WithJournal(ja)
			b := redisstore.New(replayClient(t, addr, jb), "p:", time.Second).WithJournal(jb)
			raw := newClient(t, addr, time.Second)
			for _, st := range []*redisstore.Store{a, b} { // each gateway's first connection and its catch-up
				if err := st.Ping(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if ok, err := a.SetNX(ctx, tt.key, []byte("u\x00bob"), tt.ttl); err != nil || !ok {
				t.Fatalf("ban: %v, %v", ok, err)
			}
			if _, err := b.Delete(ctx, tt.key); err != nil { // the lift, through the other gateway
				t.Fatal(err)
			}
			if err := replayClient(t, addr, ja).Ping(ctx).Err(); err != nil { // a new connection of the first: its catch-up
				t.Fatal(err)
			}
			if n, err := raw.Exists(ctx, "p:"+tt.key).Result(); err != nil || n != 0 {
				t.Fatalf("the lifted ban after the banning gateway's next connection: exists %d, %v; want it gone", n, err)
			}

			// Banned again after the lift, and that ban lost by a
			// failover: the new master gets it back.
			if ok, err := a.SetNX(ctx, tt.key, []byte("u\x00bob"), tt.ttl); err != nil || !ok {
				t.Fatalf("ban again: %v, %v", ok, err)
			}
			newAddr := testredis.Start(t)
			if err := replayClient(t, newAddr, ja).Ping(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			nraw := newClient(t, newAddr, time.Second)
			if d, err := nraw.PTTL(ctx, "p:"+tt.key).Result(); err != nil || d < tt.ttl-time.Minute || d > tt.ttl {
				t.Errorf("the ban set again, after the failover: PTTL %v, %v; want about %v", d, err, tt.ttl)
			}
		})
	}
}
