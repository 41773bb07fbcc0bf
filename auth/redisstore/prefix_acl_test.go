package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// prefixedUser makes a Redis user on addr that may touch only the keys
// under prefix (`ACL SETUSER … ~prefix*`), the way two deployments
// sharing one Redis are kept apart, and returns a client of addr logged
// in as that user that replays j (nil: none) on a master it has not
// written to.
func prefixedUser(t *testing.T, addr, prefix string, j *redisstore.Journal) redis.UniversalClient {
	t.Helper()
	admin := newClient(t, addr, time.Second)
	if err := admin.Do(t.Context(), "ACL", "SETUSER", "gh", "on", ">secret", "~"+prefix+"*", "&*", "+@all").Err(); err != nil {
		t.Fatal(err)
	}
	var opts []redisstore.ClientOption
	if j != nil {
		opts = append(opts, redisstore.WithReplay(j))
	}
	c, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, Username: "gh", Password: "secret", DialTimeout: time.Second, OpTimeout: time.Second}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestEveryKeyCarriesThePrefix: every key the store writes, with the
// failover journal on (the default), is under store.key_prefix, so that
// a Redis user limited to the deployment's keys (ACL `~gatehouse:*`, how
// two deployments share one Redis) can do all of it, and the
// deployment's keys are exactly those a SCAN of its prefix finds. A
// session's tombstone was written outside it: under such a user every
// sign-out, and every sign-in step (which rotates the session id,
// deleting the old one), failed (503), and so did the replay of a
// sign-out on a promoted master.
func TestEveryKeyCarriesThePrefix(t *testing.T) {
	ctx := t.Context()
	const prefix = "gatehouse:"
	oldAddr, newAddr := testredis.Start(t), testredis.Start(t)
	j := redisstore.NewJournal(time.Minute, 0, nil)
	st := redisstore.New(prefixedUser(t, oldAddr, prefix, j), prefix, time.Second).WithJournal(j)

	steps := []struct {
		name string
		do   func(context.Context) error
	}{
		{"sign-in", func(ctx context.Context) error { return st.Set(ctx, "s:new", []byte("session"), time.Hour) }},
		{"index", func(ctx context.Context) error { return st.SAdd(ctx, "su:alice", "s:new", time.Hour) }},
		{"sign-out", func(ctx context.Context) error { _, err := st.Delete(ctx, "s:new"); return err }},
		{"ban", func(ctx context.Context) error {
			_, err := st.SetNX(ctx, "reg:ban:x", []byte("1"), time.Hour)
			return err
		}},
		{"ban lifted", func(ctx context.Context) error { _, err := st.Delete(ctx, "reg:ban:x"); return err }},
		{"code spent", func(ctx context.Context) error { _, err := st.Delete(ctx, "otp:{c1}:c"); return err }},
		{"account changed", func(ctx context.Context) error {
			_, err := st.CompareAndSwap(ctx, "user:r:alice", nil, []byte("alice"), time.Hour)
			return err
		}},
	}
	for _, s := range steps {
		if err := s.do(ctx); err != nil {
			t.Errorf("%s under a Redis user limited to %q*: %v", s.name, prefix, err)
		}
	}

	// A replica promoted without those writes: the journal writes them
	// again there, through the same user, before anything is served.
	promoted := redisstore.New(prefixedUser(t, newAddr, prefix, j), prefix, time.Second).WithJournal(j)
	if _, err := promoted.Get(ctx, "s:new"); err == nil {
		t.Error("the signed-out session is back on the promoted master")
	} else if !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("reading from the promoted master under a Redis user limited to %q*: %v (the replay of the sign-out was refused)", prefix, err)
	}

	for _, addr := range []string{oldAddr, newAddr} {
		keys, err := newClient(t, addr, time.Second).Keys(ctx, "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if !strings.HasPrefix(k, prefix) {
				t.Errorf("key %q is outside key_prefix %q", k, prefix)
			}
		}
	}
}
