package main

import (
	"fmt"
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
			_, stderr := startServe(t, func(addr, users, key string) string {
				return fmt.Sprintf(`server:
  listen: %q
  public_url: "http://127.0.0.1"
  admin_listen: ""
session:
  secure: false
store:
  driver: redis
  redis: { addrs: [%q] }
users:
  file: %q
identity:
  signing_key_file: %q
`, addr, redisAddr, users, key)
			})
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
