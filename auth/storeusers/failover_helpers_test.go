package storeusers_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
)

// The failover tests' set-up: two real Redis servers, the old master and
// the replica a failover promotes, and gateways that reach one or the
// other with a journal.

// replayClient is a client of the Redis at addr, closed with t, that
// replays j's journal on the masters it reaches (nil: none, a look at
// the server as it is).
func replayClient(t *testing.T, addr string, j *redisstore.Journal) redis.UniversalClient {
	t.Helper()
	var opts []redisstore.ClientOption
	if j != nil {
		opts = append(opts, redisstore.WithReplay(j))
	}
	c, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, DialTimeout: time.Second, OpTimeout: time.Second}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// replicate copies every key under "p:" from old to fresh with its TTL:
// what the promoted replica had when the old master went.
func replicate(ctx context.Context, t *testing.T, old, fresh redis.UniversalClient) {
	t.Helper()
	keys, err := old.Keys(ctx, "p:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		v, err := old.Dump(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		ttl, err := old.PTTL(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl < 0 {
			ttl = 0 // none: RESTORE's 0
		}
		if err := fresh.RestoreReplace(ctx, k, ttl, v).Err(); err != nil {
			t.Fatal(err)
		}
	}
}
