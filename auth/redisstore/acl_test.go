package redisstore_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// aclUser is a Redis user as docs/operations.md ("Redis settings") tells
// an operator to create it: the whole `ACL SETUSER` command, the user's
// name and password.
type aclUser struct {
	args           []string
	name, password string
}

// documentedACL returns the `ACL SETUSER` line of docs/operations.md
// holding marker ("~" for the data nodes, "sentinel|" for the
// sentinels), word for word, so the test runs what an operator pastes.
func documentedACL(t *testing.T, marker string) aclUser {
	t.Helper()
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(doc), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "ACL SETUSER ") || !strings.Contains(line, marker) {
			continue
		}
		u := aclUser{args: strings.Fields(line)}
		u.name = u.args[2]
		for _, a := range u.args {
			if p, ok := strings.CutPrefix(a, ">"); ok {
				u.password = p
			}
		}
		return u
	}
	t.Fatalf("docs/operations.md has no `ACL SETUSER` line with %q", marker)
	return aclUser{}
}

// renamed is u as the user name for the keys under prefix (in place of
// the documented gatehouse:), as a second deployment would create it.
func (u aclUser) renamed(name, prefix string) aclUser {
	v := aclUser{name: name, password: u.password}
	for i, a := range u.args {
		switch {
		case i == 2:
			a = name
		case strings.HasPrefix(a, "~"):
			a = "~" + prefix + "*"
		}
		v.args = append(v.args, a)
	}
	return v
}

// create makes the user on every server at addrs (as the default user),
// with extra rules after the documented ones.
func (u aclUser) create(t *testing.T, addrs []string, extra ...string) {
	t.Helper()
	for _, addr := range addrs {
		if _, err := testredis.Do(addr, append(append([]string(nil), u.args...), extra...)...); err != nil {
			t.Fatalf("%s on %s: %v", strings.Join(u.args, " "), addr, err)
		}
	}
}

// config is cfg signed in as u.
func (u aclUser) config(cfg config.Redis) config.Redis {
	cfg.Username, cfg.Password = u.name, u.password
	cfg.DialTimeout, cfg.OpTimeout = 2*time.Second, time.Second
	return cfg
}

// aclConformance runs the store suite and the audit suite through
// client, every store journaled (the default) and under the documented
// prefix gatehouse:, each subtest on a prefix of its own below it.
func aclConformance(t *testing.T, client redis.UniversalClient, cached bool) {
	t.Helper()
	j := redisstore.NewJournal(time.Minute, 0, nil)
	var n atomic.Int64
	storetest.Run(t,
		func(t *testing.T) auth.Store {
			st := redisstore.New(client, fmt.Sprintf("gatehouse:%d:", n.Add(1)), time.Second).WithJournal(j)
			if !cached {
				return st
			}
			c, err := redisstore.NewCached(st, redisstore.CacheOptions{Prefixes: []string{""}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = c.Close() })
			waitTracking(t, c, true) // the documented ACL allows the cache
			return c
		},
		func(_ *testing.T, d time.Duration) { time.Sleep(d) })
	storetest.RunAudit(t, func(_ *testing.T, retain auth.AuditRetain) auth.AuditLog {
		return redisstore.NewAuditLog(client, fmt.Sprintf("gatehouse:audit%d:", n.Add(1)), retain, time.Second)
	})
	if _, err := redisstore.EvictionRisks(t.Context(), client); err != nil {
		t.Errorf("the eviction watch under the documented ACL: %v", err)
	}
}

// TestDocumentedACLRunsTheStore: the Redis users docs/operations.md
// ("Redis settings") gives, created word for word on real servers, let
// the store do everything it does: the store suite (journaled, through
// the client cache on a standalone server), the audit trail, the
// eviction watch, the operator commands' replication check (WAIT), a
// Sentinel failover (the sentinel user, the journal's replay on the new
// master) and a cluster (with the page's cluster line, `+cluster|slots
// +cluster|info +asking`: /readyz sees a slot served by nobody under it;
// before, the page gave no `+cluster|info`, and /readyz, asking PING
// alone, stayed 200).
// Before, the page gave no such user: only `+@all`, which also allows
// FLUSHALL and ACL SETUSER (TestDeploymentsSharingARedisStayApart).
func TestDocumentedACLRunsTheStore(t *testing.T) {
	t.Parallel()
	data, sentinel := documentedACL(t, "~"), documentedACL(t, "sentinel|")

	t.Run("standalone", func(t *testing.T) {
		addr := testredis.Start(t)
		data.create(t, []string{addr})
		client := topologyClient(t, data.config(config.Redis{Addrs: []string{addr}}))
		aclConformance(t, client, true)
	})

	t.Run("sentinel", func(t *testing.T) {
		st := testredis.NewSentinel(t)
		var dataAddrs, sentinelAddrs []string
		for _, s := range st.Data {
			dataAddrs = append(dataAddrs, s.Addr)
		}
		for _, s := range st.Sentinels {
			sentinelAddrs = append(sentinelAddrs, s.Addr)
		}
		data.create(t, dataAddrs)
		sentinel.create(t, sentinelAddrs)
		cfg := data.config(config.Redis{Addrs: st.Addrs, MasterName: st.MasterName})
		aclConformance(t, topologyClient(t, cfg), false)

		// The operator commands' check that the replica has a change.
		one, err := redisstore.NewClient(cfg, redisstore.OneConnection())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = one.Close() })
		op := redisstore.New(one, "gatehouse:op:", time.Second)
		mark, err := op.MarkReplicas(t.Context())
		if err != nil {
			t.Fatalf("MarkReplicas under the documented ACL: %v", err)
		}
		if err := op.Set(t.Context(), "s:x", []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := op.ConfirmReplicated(t.Context(), mark, 3*time.Second); err != nil {
			t.Errorf("ConfirmReplicated (WAIT) under the documented ACL: %v", err)
		}

		// A failover: the client follows +switch-master through the
		// sentinel user and replays its journal on the new master.
		j := redisstore.NewJournal(time.Minute, 0, nil)
		client, err := redisstore.NewClient(cfg, redisstore.WithReplay(j))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = client.Close() })
		s := redisstore.New(client, "gatehouse:fo:", time.Second).WithJournal(j)
		if err := s.Set(t.Context(), "s:kept", []byte("session"), time.Hour); err != nil {
			t.Fatal(err)
		}
		st.Failover(t)
		deadline := time.Now().Add(15 * time.Second)
		for {
			v, err := s.Get(t.Context(), "s:kept")
			if err == nil && string(v) == "session" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after a failover under the documented ACL: %q, %v", v, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})

	t.Run("cluster", func(t *testing.T) {
		c := testredis.NewCluster(t, 3)
		data.create(t, c.Addrs)
		documentedACL(t, "cluster|").create(t, c.Addrs)
		client := topologyClient(t, data.config(config.Redis{Addrs: c.Addrs}))
		aclConformance(t, client, false)

		// Readiness asks each master's CLUSTER INFO: under the
		// documented user too, a slot served by nobody is 503.
		st := redisstore.New(client, "gatehouse:ready:", time.Second)
		if code := readyz(st); code != http.StatusOK {
			t.Fatalf("/readyz on a healthy cluster = %d, want 200", code)
		}
		for _, addr := range c.Addrs {
			if _, err := testredis.Do(addr, "CLUSTER", "DELSLOTS", "0"); err != nil {
				t.Fatal(err)
			}
		}
		if code := readyz(st); code != http.StatusServiceUnavailable {
			t.Errorf("/readyz under the documented user with slot 0 served by nobody = %d, want 503", code)
		}
	})
}

// TestDeploymentsSharingARedisStayApart: two deployments on one Redis,
// each with its own key_prefix and its own user as docs/operations.md
// gives it, write the same keys; each reads its own, and neither can
// read, change, delete or list the other's, however it asks Redis. Before,
// the page's user (`~gatehouse-prod:* &* +@all`) could FLUSHALL every
// deployment's keys, SCAN their names and grant itself `~*` with ACL
// SETUSER.
func TestDeploymentsSharingARedisStayApart(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	addr := testredis.Start(t)
	doc := documentedACL(t, "~")
	ua, ub := doc.renamed("deploy-a", "a:"), doc.renamed("deploy-b", "b:")
	ua.create(t, []string{addr})
	ub.create(t, []string{addr})
	ca := topologyClient(t, ua.config(config.Redis{Addrs: []string{addr}}))
	cb := topologyClient(t, ub.config(config.Redis{Addrs: []string{addr}}))
	a := redisstore.New(ca, "a:", time.Second).WithJournal(redisstore.NewJournal(time.Minute, 0, nil))
	b := redisstore.New(cb, "b:", time.Second).WithJournal(redisstore.NewJournal(time.Minute, 0, nil))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []struct {
		st  *redisstore.Store
		val string
	}{{a, "A"}, {b, "B"}} {
		must(d.st.Set(ctx, "s:same", []byte(d.val), time.Hour))
		must(d.st.SAdd(ctx, "su:alice", "s:"+d.val, time.Hour))
		_, err := d.st.Incr(ctx, "reg:fail:x", time.Hour)
		must(err)
		_, err = d.st.SetNX(ctx, "reg:ban:x", []byte(d.val), time.Hour)
		must(err)
	}
	// b changes and ends its own: a's stay as they were.
	must(b.Set(ctx, "s:same", []byte("B2"), time.Hour))
	_, err := b.Delete(ctx, "reg:ban:x")
	must(err)
	if v, err := a.Get(ctx, "s:same"); err != nil || string(v) != "A" {
		t.Errorf("a's session after b wrote its own: %q, %v", v, err)
	}
	if _, err := a.Get(ctx, "reg:ban:x"); err != nil {
		t.Errorf("a's ban after b lifted its own: %v", err)
	}

	bKeys := func() map[string]string {
		t.Helper()
		admin := newClient(t, addr, time.Second)
		keys, err := admin.Keys(ctx, "b:*").Result()
		must(err)
		out := map[string]string{}
		for _, k := range keys {
			d, err := admin.Dump(ctx, k).Result()
			must(err)
			out[k] = d
		}
		return out
	}
	before := bKeys()
	if len(before) == 0 {
		t.Fatal("b wrote no keys")
	}

	// What a's user might try against b, straight at Redis (a gateway
	// whose host an attacker holds): each must be refused.
	attempts := [][]any{
		{"GET", "b:s:same"},
		{"SET", "b:s:same", "forged"},
		{"DEL", "b:s:same"},
		{"RENAME", "b:s:same", "a:stolen"},
		{"COPY", "b:s:same", "a:stolen"},
		{"EVAL", "return redis.call('GET', KEYS[1])", "1", "b:s:same"},
		{"EVAL", "return redis.call('DEL', 'b:s:same')", "0"},
		{"FLUSHALL"},
		{"FLUSHDB"},
		{"SWAPDB", "0", "1"},
		{"KEYS", "*"},
		{"SCAN", "0", "MATCH", "b:*"},
		{"RANDOMKEY"},
		{"SORT", "a:su:alice", "BY", "b:*"},
		{"ACL", "SETUSER", "deploy-a", "~*"},
		{"ACL", "SETUSER", "deploy-b", "on", ">mine"},
		{"CONFIG", "SET", "maxmemory-policy", "allkeys-random"},
		{"FUNCTION", "FLUSH"},
		{"SCRIPT", "FLUSH"},
		{"MONITOR"},
		{"SUBSCRIBE", "__keyspace@0__:b:s:same"},
		{"PSUBSCRIBE", "*"},
		{"DEBUG", "SLEEP", "0"},
		{"CLIENT", "KILL", "USER", "deploy-b"},
		{"SHUTDOWN", "NOSAVE"},
	}
	for _, args := range attempts {
		if err := ca.Do(ctx, args...).Err(); err == nil {
			t.Errorf("deploy-a ran %v", args)
		}
	}
	after := bKeys()
	if len(after) != len(before) {
		t.Errorf("b's keys: %d before a's attempts, %d after", len(before), len(after))
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("b's key %s changed under a's attempts", k)
		}
	}
	if v, err := b.Get(ctx, "s:same"); err != nil || string(v) != "B2" {
		t.Errorf("b's session after a's attempts: %q, %v", v, err)
	}
	if _, err := b.Get(ctx, "reg:ban:x"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("b's lifted ban: %v", err)
	}
}
