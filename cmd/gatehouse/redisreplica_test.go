package main

import (
	"fmt"
	"net"
	"net/http"
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
			addr, stderr := startServe(t, func(addr, users, key string) string {
				return fmt.Sprintf(`server:
  listen: %q
  public_url: "http://127.0.0.1"
  admin_listen: %q
session:
  secure: false
store:
  driver: redis
  redis: { addrs: [%q] }
users:
  file: %q
identity:
  signing_key_file: %q
`, addr, admin, redisAddr, users, key)
			})
			if out := stderr.waitFor(want, 3*time.Second); !strings.Contains(out, want) {
				t.Errorf("start-up log without %s:\n%s", want, out)
			}
			resp, err := http.Get("http://" + admin + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("/readyz = %d, want 503", resp.StatusCode)
			}
			resp, err = http.Post("http://"+addr+"/_gatehouse/api/login", "application/json",
				strings.NewReader(`{"username":"alice","password":"a long enough passphrase"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("login = %d, want 503", resp.StatusCode)
			}
		})
	}
}
