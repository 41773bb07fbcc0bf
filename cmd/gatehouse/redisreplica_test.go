package main

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestServeFailsClosedOnARedisThatTakesNoWrites: `serve` pointed at a
// Redis that answers PING but refuses every write (a replica of another
// server; a master short of its min-replicas-to-write) starts, answers
// /readyz and a sign-in 503, and says why in one line. Before, /readyz
// was 200 while every sign-in was 503, and nothing was logged at start.
func TestServeFailsClosedOnARedisThatTakesNoWrites(t *testing.T) {
	const want = `"msg":"redis refuses writes (a replica, or a master short of min-replicas-to-write); serving 503 until it takes them"`
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, addr string)
	}{
		{"a replica", func(t *testing.T, addr string) {
			host, port, _ := net.SplitHostPort(testredis.Start(t))
			if _, err := testredis.Do(addr, "REPLICAOF", host, port); err != nil {
				t.Fatal(err)
			}
		}},
		{"a master short of replicas", func(t *testing.T, addr string) {
			if _, err := testredis.Do(addr, "CONFIG", "SET", "min-replicas-to-write", "1"); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			redisAddr := testredis.Start(t)
			tc.setup(t, redisAddr)
			admin := freeAddr(t)
			addr, stderr := startServeOnRedis(t, admin, fmt.Sprintf("{ addrs: [%q] }", redisAddr))
			if out := stderr.waitFor(want, 3*time.Second); !strings.Contains(out, want) {
				t.Errorf("start-up log without %s:\n%s", want, out)
			}
			wantServedClosed(t, addr, admin)
		})
	}
}
