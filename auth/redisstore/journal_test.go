package redisstore_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestJournalReplaysOnANewMaster: writes acknowledged by one master and
// lost (the promoted replica, or the AOF, never had them) are written
// again on the first connection to a master the journal has not seen,
// before any command runs there; a later write on the new master is never
// undone; a master already replayed to is left alone.
func TestJournalReplaysOnANewMaster(t *testing.T) {
	ctx := context.Background()
	oldAddr, newAddr := testredis.Start(t), testredis.Start(t)
	j := redisstore.NewJournal(time.Minute, 0, nil)
	client := func(addr string) redis.UniversalClient { return replayClient(t, addr, j) }
	raw := newClient(t, newAddr, time.Second) // the promoted replica, seen from outside

	// Both masters as they were when the replica was promoted: what the
	// old master had replicated before the writes below.
	for _, c := range []redis.UniversalClient{newClient(t, oldAddr, time.Second), raw} {
		for k, v := range map[string]string{
			"p:s:logout": "session", "p:otp:{c1}:c": "challenge", "p:user:r:alice": "alice-before",
			"p:user:r:bob": "bob-before",
		} {
			if err := c.Set(ctx, k, v, time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
		}
		c.SAdd(ctx, "p:su:alice", "s:old")
	}

	st := redisstore.New(client(oldAddr), "p:", time.Second).WithJournal(j)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Acknowledged by the old master, lost by the failover.
	_, err := st.Delete(ctx, "s:logout") // a logout
	must(err)
	_, err = st.Delete(ctx, "otp:{c1}:c") // a code spent
	must(err)
	must(st.Set(ctx, "s:login", []byte("new session"), time.Hour))    // a login
	must(st.Set(ctx, "s:gone", []byte("ended elsewhere"), time.Hour)) // a login another gateway ends after the failover
	must(st.Set(ctx, "user:r:alice", []byte("alice-after"), time.Hour))
	must(st.Set(ctx, "user:r:bob", []byte("bob-after"), time.Hour))
	ok, err := st.SetNX(ctx, "reg:ban:x", []byte("1"), time.Hour)
	must(err)
	if !ok {
		t.Fatal("ban not set")
	}
	must(st.SAdd(ctx, "su:alice", "s:login", time.Hour))
	must(st.ZAdd(ctx, "user:ix", "carol", time.Hour))    // an account the console lists
	must(st.Set(ctx, "reg:n:x", []byte("4"), time.Hour)) // a counter: not replayed

	// After the promotion, another gateway ends s:gone (it never existed
	// on the new master) and changes bob again.
	other := redisstore.New(newClient(t, newAddr, time.Second), "p:", time.Second).WithJournal(redisstore.NewJournal(time.Minute, 0, nil))
	_, err = other.Delete(ctx, "s:gone")
	must(err)
	must(raw.Set(ctx, "p:user:r:bob", "bob-later", time.Hour).Err())

	// This gateway now reaches the new master.
	nst := redisstore.New(client(newAddr), "p:", time.Second).WithJournal(j)
	if _, err := nst.Get(ctx, "s:logout"); err == nil {
		t.Error("a logout acknowledged before the failover is undone: the session is back")
	}
	for key, want := range map[string]string{
		"p:user:r:alice": "alice-after", "p:user:r:bob": "bob-later", "p:reg:ban:x": "1",
	} {
		got, err := raw.Get(ctx, key).Result()
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", key, got, err, want)
		}
	}
	// A login is replayed later (sessionReplayDelay), once every gateway
	// has replayed its logouts; a counter is not replayed.
	for _, key := range []string{"p:otp:{c1}:c", "p:s:gone", "p:s:login", "p:reg:n:x"} {
		if n, _ := raw.Exists(ctx, key).Result(); n != 0 {
			t.Errorf("%s exists after the replay", key)
		}
	}
	if ok, _ := raw.SIsMember(ctx, "p:su:alice", "s:login").Result(); !ok {
		t.Error("the session index lost an entry")
	}
	if _, err := raw.ZScore(ctx, "p:user:ix", "carol").Result(); err != nil {
		t.Errorf("the console's account index lost an entry: %v", err)
	}
	stop := j.Watch(ctx, client(newAddr))
	defer func() { _ = stop() }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if v, err := raw.Get(ctx, "p:s:login").Result(); err == nil {
			if v != "new session" {
				t.Errorf("replayed login = %q", v)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a login acknowledged before the failover was not written again")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n, _ := raw.Exists(ctx, "p:s:gone").Result(); n != 0 {
		t.Error("a login another gateway logged out after the failover came back")
	}

	// A master replayed to once is not replayed to again.
	must(raw.Set(ctx, "p:otp:{c1}:c", "a new challenge under the same name", time.Hour).Err())
	again := client(newAddr)
	if err := again.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Get(ctx, "p:otp:{c1}:c").Result(); errors.Is(err, redis.Nil) {
		t.Error("a second connection to the same master replayed again")
	}

	// A pooled connection still on the old master takes one more logout
	// after the first connection reached the new one (sentinels name the
	// promoted replica before the clients are told): the next new
	// connection carries it over.
	must(raw.Set(ctx, "p:s:late", "session", time.Hour).Err())
	_, err = st.Delete(ctx, "s:late")
	must(err)
	if err := client(newAddr).Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if n, _ := raw.Exists(ctx, "p:s:late").Result(); n != 0 {
		t.Error("a logout acknowledged by the old master after the first replay is undone")
	}
}

// BenchmarkSessionRotation is what a login step writes (a new session,
// the old one deleted) with and without the journal, on a real Redis;
// make bench reports the ratio (docs/performance.md).
func BenchmarkSessionRotation(b *testing.B) {
	addr := testredis.Start(b)
	for _, tc := range []struct {
		name    string
		journal bool
	}{{"plain", false}, {"journal", true}} {
		b.Run(tc.name, func(b *testing.B) {
			st := redisstore.New(newClient(b, addr, time.Second), "bench:", time.Second)
			if tc.journal {
				st.WithJournal(redisstore.NewJournal(2*time.Minute, 0, nil))
			}
			ctx := context.Background()
			value := make([]byte, 300)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				key := "s:" + strconv.Itoa(i)
				if err := st.Set(ctx, key, value, time.Hour); err != nil {
					b.Fatal(err)
				}
				if _, err := st.Delete(ctx, key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestJournalReplayedIndexesExpire: an index entry replayed to a master
// that lost the index (a user's sessions, the console's list of bans)
// gives the index the lifetime it had, never none. Without a TTL the
// index would outlive everything it lists and stay in Redis for good.
func TestJournalReplayedIndexesExpire(t *testing.T) {
	ctx := t.Context()
	oldAddr, newAddr := testredis.Start(t), testredis.Start(t)
	j := redisstore.NewJournal(time.Minute, 0, nil)
	client := func(addr string) redis.UniversalClient { return replayClient(t, addr, j) }
	raw := newClient(t, newAddr, time.Second)
	// The new master has one index already, with less time left than the
	// replayed entry asks for; the others it lost.
	if err := raw.SAdd(ctx, "p:su:bob", "s:other").Err(); err != nil {
		t.Fatal(err)
	}
	if err := raw.Expire(ctx, "p:su:bob", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}

	st := redisstore.New(client(oldAddr), "p:", time.Second).WithJournal(j)
	if err := st.SAdd(ctx, "su:alice", "s:login", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := st.SAdd(ctx, "su:bob", "s:login", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := st.ZAdd(ctx, "reg:list", "ban:u:x", time.Hour); err != nil {
		t.Fatal(err)
	}

	if err := client(newAddr).Ping(ctx).Err(); err != nil { // the replay
		t.Fatal(err)
	}
	for _, key := range []string{"p:su:alice", "p:su:bob", "p:reg:list"} {
		d, err := raw.PTTL(ctx, key).Result()
		if err != nil || d < 59*time.Minute || d > time.Hour {
			t.Errorf("PTTL %s after the replay = %v, %v; want about an hour (-1ns: it never expires)", key, d, err)
		}
	}
}

// TestJournalReplaysCredentialIDClaims: a passkey's credential id
// entered for its account ("pk:c:", written if absent) and lost by a
// failover is written again, as the account record that says its ids are
// entered is (docs/contract.md, "Failover durability"): lost, the id
// would be free for another account for good.
func TestJournalReplaysCredentialIDClaims(t *testing.T) {
	ctx := context.Background()
	oldAddr, newAddr := testredis.Start(t), testredis.Start(t)
	j := redisstore.NewJournal(time.Minute, 0, nil)
	client := func(addr string) redis.UniversalClient { return replayClient(t, addr, j) }
	st := redisstore.New(client(oldAddr), "p:", time.Second).WithJournal(j)
	if ok, err := st.SetNX(ctx, "pk:c:0123", []byte("alice"), auth.Forever); err != nil || !ok {
		t.Fatalf("claim: %v, %v", ok, err)
	}
	raw := newClient(t, newAddr, time.Second) // the promoted replica, which never had it
	nst := redisstore.New(client(newAddr), "p:", time.Second).WithJournal(j)
	if _, err := nst.Get(ctx, "pk:other"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatal(err)
	}
	if got, err := raw.Get(ctx, "p:pk:c:0123").Result(); err != nil || got != "alice" {
		t.Errorf("the claim after the failover: %q, %v; want alice's", got, err)
	}
}

// replayClient is a client of the Redis at addr that replays j on every
// master it has not written to.
func replayClient(t *testing.T, addr string, j *redisstore.Journal) redis.UniversalClient {
	t.Helper()
	c, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, DialTimeout: time.Second, OpTimeout: time.Second}, redisstore.WithReplay(j))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestJournalNeverBringsBackALiftedBan: every new connection catches
// the master up on what was journaled since its last replay there, and
// a ban is replayed if absent. A lift (the ban deleted) was not
// journaled, so the next connection the pool opened within the replay
// window, to the very master that had seen both, set the lifted ban
// again for the time it had left: an administrator's lift undone within
// minutes (the admin console's bans page showed it back). The lift is
// replayed after the ban, in order.
func TestJournalNeverBringsBackALiftedBan(t *testing.T) {
	ctx := t.Context()
	addr := testredis.Start(t)
	j := redisstore.NewJournal(time.Minute, 0, nil)
	st := redisstore.New(replayClient(t, addr, j), "p:", time.Second).WithJournal(j)
	raw := newClient(t, addr, time.Second)
	if err := raw.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := st.Set(ctx, "user:r:x", []byte("{}"), time.Hour); err != nil { // the first connection's catch-up
		t.Fatal(err)
	}
	if ok, err := st.SetNX(ctx, "reg:ban:u:bob", []byte("u\x00bob"), 15*time.Minute); err != nil || !ok {
		t.Fatalf("ban: %v, %v", ok, err)
	}
	if _, err := st.Delete(ctx, "reg:ban:u:bob"); err != nil { // the lift
		t.Fatal(err)
	}
	if err := replayClient(t, addr, j).Ping(ctx).Err(); err != nil { // a new connection: its catch-up
		t.Fatal(err)
	}
	if n, err := raw.Exists(ctx, "p:reg:ban:u:bob").Result(); err != nil || n != 0 {
		t.Fatalf("the lifted ban after a new connection: exists %d, %v; want it gone", n, err)
	}
}
