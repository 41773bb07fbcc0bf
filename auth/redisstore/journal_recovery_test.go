package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestJournalKeepsANewSetOfRecoveryCodes: alice makes a new set of
// recovery codes through one gateway, and another gateway spends one of
// them, in the second a failover loses. Before, neither the set's record
// nor its codes were journaled: the promoted master kept the old record,
// so the acknowledged set (shown once, maybe already printed) never
// worked, and the old one, its code keys deleted, did not either. The
// record is replayed as an account record and each code as a session is
// (docs/contract.md, "Failover durability"): the new set works, the old
// one stays void, and the code spent stays spent.
func TestJournalKeepsANewSetOfRecoveryCodes(t *testing.T) {
	ctx := t.Context()
	oldAddr, newAddr := testredis.Start(t), testredis.Start(t)
	key := []byte("recovery-names-key-of-the-test")
	rawOld, rawNew := newClient(t, oldAddr, time.Second), newClient(t, newAddr, time.Second)

	// The set alice had when the replica was promoted, on both masters.
	oldCodes, err := auth.NewRecovery(redisstore.New(rawOld, "p:", time.Second), key, nil).Generate(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	copyKeys(ctx, t, rawOld, rawNew, "p:*")

	// Acknowledged by the old master, lost by the failover: the new set
	// (gateway A), and one of its codes spent (gateway B).
	ja, jb := redisstore.NewJournal(time.Minute, 0, nil), redisstore.NewJournal(time.Minute, 0, nil)
	a := auth.NewRecovery(redisstore.New(replayClient(t, oldAddr, ja), "p:", time.Second).WithJournal(ja), key, nil)
	newCodes, err := a.Generate(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	// Bob is offered a set at sign-in and makes one at once.
	if ok, err := a.MarkOffered(ctx, "bob"); err != nil || !ok {
		t.Fatalf("offer: %v, %v", ok, err)
	}
	bobCodes, err := a.Generate(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	b := auth.NewRecovery(redisstore.New(replayClient(t, oldAddr, jb), "p:", time.Second).WithJournal(jb), key, nil)
	if _, err := b.Use(ctx, "alice", newCodes[0]); err != nil {
		t.Fatalf("spending a new code before the failover: %v", err)
	}

	// Both gateways reach the new master.
	clientA := replayClient(t, newAddr, ja)
	stop := ja.Watch(ctx, clientA)
	defer func() { _ = stop() }()
	na := auth.NewRecovery(redisstore.New(clientA, "p:", time.Second).WithJournal(ja), key, nil)
	if _, err := na.Status(ctx, "alice"); err != nil { // A's catch-up
		t.Fatal(err)
	}
	nb := auth.NewRecovery(redisstore.New(replayClient(t, newAddr, jb), "p:", time.Second).WithJournal(jb), key, nil)
	if _, err := nb.Status(ctx, "alice"); err != nil { // B's catch-up
		t.Fatal(err)
	}

	// The codes come back as logins do, once every gateway has replayed
	// its deletes (about 2 s).
	deadline := time.Now().Add(6 * time.Second)
	for {
		n, err := rawNew.Exists(ctx, "p:"+codeKeyOf(ctx, t, rawNew)).Result()
		if err == nil && n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the codes of the set acknowledged before the failover were not written again")
		}
		time.Sleep(100 * time.Millisecond)
	}
	st, err := nb.Status(ctx, "alice")
	if err != nil || st.Left != auth.RecoveryCodeCount-1 {
		t.Errorf("after the failover: %+v, %v; want %d codes left", st, err, auth.RecoveryCodeCount-1)
	}
	for i, code := range oldCodes {
		if _, err := nb.Use(ctx, "alice", code); !errors.Is(err, auth.ErrRecoveryCodeInvalid) {
			t.Fatalf("old code %d after the failover: %v; want it void", i, err)
		}
	}
	if _, err := nb.Use(ctx, "alice", newCodes[0]); !errors.Is(err, auth.ErrRecoveryCodeInvalid) {
		t.Errorf("the code spent before the failover: %v; want it spent", err)
	}
	if _, err := nb.Use(ctx, "bob", bobCodes[0]); err != nil {
		t.Errorf("a set made right after its offer, after the failover: %v", err)
	}
	for i, code := range newCodes[1:] {
		if _, err := nb.Use(ctx, "alice", code); err != nil {
			t.Errorf("new code %d after the failover: %v", i+1, err)
		}
	}
}

// codeKeyOf is the store key (without the prefix) of a code of the set
// the record under p:rc:… names now, read from outside.
func codeKeyOf(ctx context.Context, t *testing.T, raw redis.UniversalClient) string {
	t.Helper()
	keys, err := raw.Keys(ctx, "p:rc:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if len(k) == len("p:rc:")+43 { // the set's record
			v, err := raw.Get(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			set := struct {
				B string   `json:"b"`
				H []string `json:"h"`
			}{}
			if err := json.Unmarshal([]byte(v), &set); err != nil || len(set.H) == 0 {
				t.Fatalf("record %q: %v", v, err)
			}
			return k[len("p:"):] + ":" + set.B + ":" + set.H[1]
		}
	}
	t.Fatal("no record of a set")
	return ""
}

// copyKeys copies the string keys matching pattern, with their TTLs,
// from one Redis to another: the state a replica had when promoted.
func copyKeys(ctx context.Context, t *testing.T, from, to redis.UniversalClient, pattern string) {
	t.Helper()
	keys, err := from.Keys(ctx, pattern).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		v, err := from.Get(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		ttl, err := from.PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl < 0 {
			ttl = 0
		}
		if err := to.Set(ctx, k, v, ttl).Err(); err != nil {
			t.Fatal(err)
		}
	}
}
