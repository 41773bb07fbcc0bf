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

// TestServeFailsClosedOnARedisItMayNotUse: `serve` whose Redis refuses
// it (a wrong password, a user without a command the store sends) starts,
// answers /readyz and every login step 503, and says why in one line
// naming the cause and what to read, never the password. Before, both
// were logged as "redis not reachable at startup", as if the server were
// down.
func TestServeFailsClosedOnARedisItMayNotUse(t *testing.T) {
	const secret = "the-redis-passw0rd-of-this-test"
	for _, tc := range []struct {
		name     string
		acl      []string
		password string
		want     string // in the start-up log line
	}{
		{name: "wrong password", acl: []string{"ACL", "SETUSER", "gh", "on", ">right", "~*", "+@all"},
			password: secret, want: `"msg":"redis refused the username or password; serving 503 until it accepts them"`},
		{name: "a command the user may not run", acl: []string{"ACL", "SETUSER", "gh", "on", ">" + secret, "~*", "+@all", "-info"},
			password: secret, want: `"msg":"the redis user may not run a command gatehouse sends; serving 503 until it may (docs/operations.md, \"Redis settings\")"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			redisAddr := testredis.Start(t)
			if _, err := testredis.Do(redisAddr, tc.acl...); err != nil {
				t.Fatal(err)
			}
			pwFile := filepath.Join(t.TempDir(), "redis-password")
			if err := os.WriteFile(pwFile, []byte(tc.password+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			admin := freeAddr(t)
			addr, stderr := startServeOnRedis(t, admin, fmt.Sprintf("{ addrs: [%q], username: gh, password_file: %q }", redisAddr, pwFile))
			out := stderr.waitFor(tc.want, 3*time.Second)
			if !strings.Contains(out, tc.want) {
				t.Errorf("start-up log without %s:\n%s", tc.want, out)
			}
			wantServedClosed(t, addr, admin)
			if strings.Contains(stderr.String(), secret) {
				t.Errorf("the Redis password is in the logs:\n%s", stderr.String())
			}
		})
	}
}
