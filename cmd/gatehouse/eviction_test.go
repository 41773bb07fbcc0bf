package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestServeWarnsOfAnEvictingRedis: `serve` on a Redis whose
// maxmemory-policy would evict keys when it is full (sessions, bans,
// accounts: every key Gatehouse writes has a TTL) says so at start, with
// the policy and what to set instead; on Redis's default, noeviction, it
// says nothing of it.
func TestServeWarnsOfAnEvictingRedis(t *testing.T) {
	for _, tc := range []struct {
		policy string
		warned bool
	}{{"volatile-lru", true}, {"noeviction", false}} {
		t.Run(tc.policy, func(t *testing.T) {
			redisAddr := testredis.Start(t)
			if _, err := testredis.Do(redisAddr, "CONFIG", "SET", "maxmemory-policy", tc.policy); err != nil {
				t.Fatal(err)
			}
			_, stderr := startServeOnRedis(t, "", fmt.Sprintf("{ addrs: [%q] }", redisAddr))
			const msg = `"msg":"redis may evict Gatehouse's keys when full; set maxmemory-policy noeviction"`
			out := stderr.waitFor(msg, 2*time.Second)
			switch {
			case tc.warned && (!strings.Contains(out, msg) || !strings.Contains(out, `"maxmemory_policy":"volatile-lru"`)):
				t.Errorf("no warning of maxmemory-policy %s at start:\n%s", tc.policy, out)
			case !tc.warned && strings.Contains(out, "maxmemory"):
				t.Errorf("a warning about maxmemory-policy %s:\n%s", tc.policy, out)
			}
		})
	}
}

// TestServeWarnsOfAnEvictionPolicyLater: a master's maxmemory-policy
// changed while `serve` runs (a `CONFIG SET`, or a failover to a
// replica set otherwise) is warned of within a check
// (evictionCheckEvery), and gatehouse_store_redis_evicting says how
// many masters may evict; a master set back to noeviction is said to be,
// and warned of again when it changes once more. Before, the policy was
// read at start only: a Redis that began evicting later was never
// mentioned.
func TestServeWarnsOfAnEvictionPolicyLater(t *testing.T) {
	every := evictionCheckEvery
	evictionCheckEvery = 50 * time.Millisecond
	t.Cleanup(func() { evictionCheckEvery = every })
	redisAddr := testredis.Start(t)
	admin := freeAddr(t)
	_, stderr := startServeOnRedis(t, admin, fmt.Sprintf("{ addrs: [%q] }", redisAddr))
	const warning = `"msg":"redis may evict Gatehouse's keys when full; set maxmemory-policy noeviction"`
	const cleared = `"msg":"redis no longer evicts Gatehouse's keys"`
	for i, step := range []struct {
		policy string
		log    string // what the step must log (its n-th time: n)
		n      int
		gauge  string
	}{
		{"allkeys-lru", `"maxmemory_policy":"allkeys-lru"`, 1, "gatehouse_store_redis_evicting 1"},
		{"noeviction", cleared, 1, "gatehouse_store_redis_evicting 0"},
		{"volatile-lru", `"maxmemory_policy":"volatile-lru"`, 1, "gatehouse_store_redis_evicting 1"},
	} {
		if _, err := testredis.Do(redisAddr, "CONFIG", "SET", "maxmemory-policy", step.policy); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(3 * time.Second)
		var out, metrics string
		for {
			out = stderr.String()
			metrics = adminMetrics(t, admin)
			if strings.Count(out, step.log) >= step.n && strings.Contains(metrics, step.gauge+"\n") || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if strings.Count(out, step.log) < step.n {
			t.Fatalf("step %d: maxmemory-policy set to %s while serving: no %s in the log:\n%s", i, step.policy, step.log, out)
		}
		if !strings.Contains(metrics, step.gauge+"\n") {
			t.Errorf("step %d: maxmemory-policy %s: metrics lack %q:\n%s", i, step.policy, step.gauge, grepLines(metrics, "evicting"))
		}
	}
	if n := strings.Count(stderr.String(), warning); n != 2 {
		t.Errorf("%d eviction warnings, want 2 (one per change to a policy that evicts, none repeated by each check)", n)
	}
}

// adminMetrics returns the admin listener's metrics page.
func adminMetrics(t *testing.T, admin string) string {
	t.Helper()
	resp, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
