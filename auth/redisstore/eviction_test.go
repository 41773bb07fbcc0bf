package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestEvictionRisks: a Redis whose maxmemory-policy would evict keys when
// it is full is reported, with its policy and limit, whatever the policy
// (volatile-* ones too: every key Gatehouse writes has a TTL); one that
// refuses writes instead (noeviction, Redis's default) is not.
func TestEvictionRisks(t *testing.T) {
	client := newClient(t, testredis.Start(t), time.Second)
	ctx := t.Context()
	tests := []struct {
		policy, maxmemory string
		risky             bool
	}{
		{"noeviction", "0", false},
		{"allkeys-lru", "0", true},
		{"volatile-lru", "104857600", true},
		{"volatile-ttl", "104857600", true},
		{"allkeys-random", "104857600", true},
		{"noeviction", "104857600", false},
	}
	for _, tt := range tests {
		if err := client.ConfigSet(ctx, "maxmemory-policy", tt.policy).Err(); err != nil {
			t.Fatal(err)
		}
		if err := client.ConfigSet(ctx, "maxmemory", tt.maxmemory).Err(); err != nil {
			t.Fatal(err)
		}
		risks, err := redisstore.EvictionRisks(ctx, client)
		if err != nil {
			t.Fatalf("%s: %v", tt.policy, err)
		}
		switch {
		case !tt.risky && len(risks) != 0:
			t.Errorf("maxmemory-policy %s, maxmemory %s: reported %+v, want nothing", tt.policy, tt.maxmemory, risks)
		case tt.risky && (len(risks) != 1 || risks[0].Policy != tt.policy || tt.maxmemory != "0" && risks[0].MaxMemory != 104857600):
			t.Errorf("maxmemory-policy %s, maxmemory %s: reported %+v, want the policy and limit", tt.policy, tt.maxmemory, risks)
		}
	}
}

// TestFullRedisFailsClosed: a Redis at its maxmemory under noeviction
// refuses the writes that need memory; each is ErrStoreUnavailable (a
// 503, never a pass, never a counter read as absent), while reads and
// deletes go on, so signed-in sessions are still checked.
func TestFullRedisFailsClosed(t *testing.T) {
	client := newClient(t, testredis.Start(t), time.Second)
	ctx := t.Context()
	st := redisstore.New(client, "p:", time.Second)
	if err := st.Set(ctx, "s:alive", []byte("session"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := client.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil { // full at once
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.ConfigSet(context.Background(), "maxmemory", "0").Err() })
	writes := map[string]func() error{
		"Set": func() error { return st.Set(ctx, "s:new", []byte("v"), time.Hour) },
		"SetNX": func() error {
			_, err := st.SetNX(ctx, "reg:ban:x", []byte("v"), time.Hour)
			return err
		},
		"Incr": func() error {
			_, err := st.Incr(ctx, "reg:n:x", time.Hour)
			return err
		},
		"SAdd": func() error { return st.SAdd(ctx, "su:x", "s:new", time.Hour) },
	}
	for name, write := range writes {
		if err := write(); !errors.Is(err, auth.ErrStoreUnavailable) {
			t.Errorf("%s on a full Redis: %v, want ErrStoreUnavailable", name, err)
		}
	}
	if v, err := st.Get(ctx, "s:alive"); err != nil || string(v) != "session" {
		t.Errorf("Get on a full Redis = %q, %v; want the session", v, err)
	}
	if ok, err := st.Expire(ctx, "s:alive", time.Hour); err != nil || !ok {
		t.Errorf("Expire (the idle refresh) on a full Redis = %v, %v; want it done", ok, err)
	}
}
