package redisstore_test

import (
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestJournalReplaysASessionWrittenIfExists: a stored session's
// conditional write (a code sent, a proof added) acknowledged by the old
// master and lost by a failover is written again on the new master
// exactly as a Set of a session is: later, and only where no tombstone
// says the session was ended meanwhile. A conditional write refused (the
// session was already ended) is not journaled, so the replay never
// creates it (docs/contract.md, "Failover durability", "Sessions end
// when they are ended").
func TestJournalReplaysASessionWrittenIfExists(t *testing.T) {
	ctx := t.Context()
	oldAddr, newAddr := testredis.Start(t), testredis.Start(t)
	j := redisstore.NewJournal(time.Minute, 0, nil)
	raw := newClient(t, newAddr, time.Second) // the promoted replica, seen from outside
	st := redisstore.New(replayClient(t, oldAddr, j), "p:", time.Second).WithJournal(j)
	for _, key := range []string{"s:written", "s:ended"} {
		if err := st.Set(ctx, key, []byte("signed in"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if ok, err := st.SetIfExists(ctx, key, []byte("with a proof"), time.Hour); err != nil || !ok {
			t.Fatalf("SetIfExists(%s) = %v, %v; want true", key, ok, err)
		}
	}
	if ok, err := st.SetIfExists(ctx, "s:refused", []byte("ended before"), time.Hour); err != nil || ok {
		t.Fatalf("SetIfExists of an absent session = %v, %v; want false", ok, err)
	}

	// After the promotion, another gateway ends s:ended.
	other := redisstore.New(newClient(t, newAddr, time.Second), "p:", time.Second).WithJournal(redisstore.NewJournal(time.Minute, 0, nil))
	if _, err := other.Delete(ctx, "s:ended"); err != nil {
		t.Fatal(err)
	}

	// This gateway now reaches the new master.
	stop := j.Watch(ctx, replayClient(t, newAddr, j))
	defer func() { _ = stop() }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if v, err := raw.Get(ctx, "p:s:written").Result(); err == nil {
			if v != "with a proof" {
				t.Errorf("replayed session = %q, want the conditional write's", v)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a session's conditional write acknowledged before the failover was not written again")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if d, err := raw.PTTL(ctx, "p:s:written").Result(); err != nil || d < 50*time.Minute {
		t.Errorf("the replayed session's TTL = %v, %v; want the write's (an hour)", d, err)
	}
	for _, key := range []string{"p:s:ended", "p:s:refused"} {
		if n, _ := raw.Exists(ctx, key).Result(); n != 0 {
			t.Errorf("%s exists after the replay", key)
		}
	}
}
