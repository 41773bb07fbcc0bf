package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestServeWarnsWhenReadinessCannotAskClusterInfo: `serve` on a Redis
// Cluster whose user may not run CLUSTER INFO says at start that
// /readyz cannot tell a slot served by nobody, and what to add; with
// the command allowed it says nothing of it (docs/operations.md, "Redis
// settings"). Before, readiness fell back to PING without a word, and
// the ACL the page gave lacked `+cluster|info`.
func TestServeWarnsWhenReadinessCannotAskClusterInfo(t *testing.T) {
	const msg = `"msg":"the redis user may not run CLUSTER INFO: /readyz cannot tell a cluster slot served by nobody; add +cluster|info (docs/operations.md, \"Redis settings\")"`
	c := testredis.NewCluster(t, 3)
	pwFile := filepath.Join(t.TempDir(), "redis-password")
	if err := os.WriteFile(pwFile, []byte("pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		rules  []string
		warned bool
	}{
		{"cluster|info allowed", []string{"+@all"}, false},
		{"cluster|info refused", []string{"+@all", "-cluster|info"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, addr := range c.Addrs {
				args := append([]string{"ACL", "SETUSER", "gh", "reset", "on", ">pw", "~*", "&*"}, tc.rules...)
				if _, err := testredis.Do(addr, args...); err != nil {
					t.Fatal(err)
				}
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
  key_prefix: %q
  redis: { addrs: [%q, %q, %q], username: gh, password_file: %q }
users:
  file: %q
identity:
  signing_key_file: %q
`, addr, strings.ReplaceAll(tc.name, " ", "-")+":", c.Addrs[0], c.Addrs[1], c.Addrs[2], pwFile, users, key)
			})
			wait := 3 * time.Second
			if !tc.warned {
				wait = time.Second
			}
			out := stderr.waitFor(msg, wait)
			if got := strings.Contains(out, msg); got != tc.warned {
				t.Errorf("warned of CLUSTER INFO: %v, want %v:\n%s", got, tc.warned, out)
			}
		})
	}
}
