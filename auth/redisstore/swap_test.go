package redisstore_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestJournalReplaysARecordSwap: an account record's compare-and-set
// acknowledged by the old master and lost by a failover is written again
// on the new master exactly as a Set is, where the record still holds
// what the swap replaced (or is still absent); a swap that did not go
// through is not replayed, and a later write on the new master is never
// undone (docs/contract.md, "Failover durability").
func TestJournalReplaysARecordSwap(t *testing.T) {
	ctx := t.Context()
	oldAddr, newAddr := testredis.Start(t), testredis.Start(t)
	j := redisstore.NewJournal(time.Minute, 0, nil)
	raw := newClient(t, newAddr, time.Second) // the promoted replica, seen from outside
	for _, c := range []redis.UniversalClient{newClient(t, oldAddr, time.Second), raw} {
		for _, k := range []string{"alice", "bob", "dave"} {
			if err := c.Set(ctx, "p:user:r:"+k, k+"-before", time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	st := redisstore.New(replayClient(t, oldAddr, j), "p:", time.Second).WithJournal(j)
	for _, w := range []struct {
		key        string
		old, value []byte
		want       bool
	}{
		{"user:r:alice", []byte("alice-before"), []byte("alice-after"), true},
		{"user:r:carol", nil, []byte("carol-new"), true}, // absent before
		{"user:r:bob", []byte("stale"), []byte("bob-lost"), false},
		{"user:r:dave", []byte("dave-before"), []byte("dave-after"), true},
	} {
		if ok, err := st.CompareAndSwap(ctx, w.key, w.old, w.value, auth.Forever); err != nil || ok != w.want {
			t.Fatalf("CompareAndSwap(%s) = %v, %v; want %v", w.key, ok, err, w.want)
		}
	}
	// After the promotion, another gateway changes dave again.
	if err := raw.Set(ctx, "p:user:r:dave", "dave-later", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}

	// This gateway now reaches the new master.
	nst := redisstore.New(replayClient(t, newAddr, j), "p:", time.Second).WithJournal(j)
	if _, err := nst.Get(ctx, "other"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"p:user:r:alice": "alice-after", "p:user:r:carol": "carol-new", "p:user:r:bob": "bob-before", "p:user:r:dave": "dave-later",
	} {
		if got, err := raw.Get(ctx, key).Result(); err != nil || got != want {
			t.Errorf("%s after the failover = %q, %v; want %q", key, got, err, want)
		}
	}
	if d, err := raw.PTTL(ctx, "p:user:r:carol").Result(); err != nil || d < time.Hour {
		t.Errorf("the replayed record's TTL = %v, %v; want the swap's (auth.Forever)", d, err)
	}
}

// TestCacheReadsItsOwnSwapsAtOnce: after a compare-and-set returns, a
// read through the client-side cache sees it (or a later write), never
// the value it replaced, though readers keep filling the cache.
func TestCacheReadsItsOwnSwapsAtOnce(t *testing.T) {
	addr := testredis.Start(t)
	st := cachedStore(t, addr, "c:", time.Second)
	ctx := t.Context()
	defer keepReading(ctx, st, "c:n")()
	var prev []byte
	for i := 1; i <= 200; i++ {
		v := []byte(strconv.Itoa(i))
		if ok, err := st.CompareAndSwap(ctx, "c:n", prev, v, time.Minute); err != nil || !ok {
			t.Fatalf("CompareAndSwap to %d = %v, %v; want true", i, ok, err)
		}
		got, err := st.Get(ctx, "c:n")
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := strconv.Atoi(string(got)); n < i {
			t.Fatalf("after swapping in %d, Get = %d", i, n)
		}
		prev = v
	}
}
