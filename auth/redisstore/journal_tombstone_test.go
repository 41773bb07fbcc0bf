package redisstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestJournalReplayedLoginNeverOutlivesItsLogout: a login and its logout
// both lost by a failover are both replayed, the logout at once with its
// tombstone, the login sessionReplayDelay (2 s) later unless a tombstone
// says it was deleted since. The tombstone lived for the replay window
// only: with a window shorter than that delay (store.redis.replay_window:
// 1s, what a failover loses), it was gone when the login came back, and
// the logged-out session (or a spent recovery code, kept as one) was
// written again for the rest of its life, whichever gateway had ended it
// (docs/contract.md, "Failover durability").
func TestJournalReplayedLoginNeverOutlivesItsLogout(t *testing.T) {
	const window = time.Second
	tests := []struct {
		name    string
		key     string
		another bool // the logout goes through another gateway
	}{
		{"logout through the same gateway", "s:a", false},
		{"logout through another gateway", "s:b", true},
		{"recovery code spent through another gateway", "rc:u:b1:h1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			oldAddr, newAddr := testredis.Start(t), testredis.Start(t)
			ja, jb := redisstore.NewJournal(window, 0, nil), redisstore.NewJournal(window, 0, nil)
			a := redisstore.New(replayClient(t, oldAddr, ja), "p:", time.Second).WithJournal(ja)
			b := redisstore.New(replayClient(t, oldAddr, jb), "p:", time.Second).WithJournal(jb)
			ender := a
			if tt.another {
				ender = b
			}
			// Acknowledged by the old master, both lost by the failover:
			// the promoted replica (newAddr) never had either.
			if err := a.Set(ctx, tt.key, []byte("session"), time.Hour); err != nil {
				t.Fatal(err)
			}
			if _, err := ender.Delete(ctx, tt.key); err != nil {
				t.Fatal(err)
			}
			// Both gateways reach the new master and replay there.
			var stops []func() error
			for _, j := range []*redisstore.Journal{ja, jb} {
				c := replayClient(t, newAddr, j)
				if err := c.Ping(ctx).Err(); err != nil {
					t.Fatal(err)
				}
				stops = append(stops, j.Watch(ctx, c))
			}
			defer func() {
				for _, stop := range stops {
					_ = stop()
				}
			}()
			raw := newClient(t, newAddr, time.Second)
			// Past the login's delayed replay, with room for the
			// watchers' ticks.
			deadline := time.Now().Add(4 * time.Second)
			for time.Now().Before(deadline) {
				if _, err := raw.Get(ctx, "p:"+tt.key).Result(); !errors.Is(err, redis.Nil) {
					t.Fatalf("%s after the failover: %v; want it gone (ended before the failover)", tt.key, err)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}
