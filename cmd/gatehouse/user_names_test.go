package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestUserAddKeepsTheAccountRules: `gatehouse user add` with the redis
// backend makes accounts whose username, email, name and groups the apps
// behind are told (X-Auth-User, X-Auth-Email, X-Auth-Name,
// X-Auth-Groups and the assertion), and an operator's email is vouched
// for. It holds them to the rules of the console's create and of
// sign-up, so that a typo or a pasted name cannot make an account an app
// reads as another person, or as more groups than it has
// (docs/contract.md, "Names an app reads as one"): a refused addition
// makes no account.
func TestUserAddKeepsTheAccountRules(t *testing.T) {
	addr := testredis.Start(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(`store:
  driver: redis
  key_prefix: "names:"
  redis:
    addrs: [%q]
users:
  backend: redis
hashing:
  argon2id: { memory_kib: 1024, iterations: 1, parallelism: 1 }
`, addr)), 0o600); err != nil {
		t.Fatal(err)
	}
	const pw = "a long cli passphrase\n"
	add := func(args ...string) (int, string) {
		code, out, errOut := runCmd(t, pw, append([]string{"user", "add", "-c", cfgPath}, args...)...)
		return code, out + errOut
	}
	if code, out := add("--email", "alice@example.com", "--phone", "+12015550100", "--groups", "admins", "admin"); code != 0 {
		t.Fatalf("add admin: exit %d\n%s", code, out)
	}

	client, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, DialTimeout: time.Second, OpTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	users := storeusers.New(redisstore.New(client, "names:", time.Second), "US")

	tests := []struct {
		name     string
		username string // the account the addition would make
		args     []string
	}{
		{"fullwidth username", "ａｄｍｉｎ", []string{"ａｄｍｉｎ"}},
		{"zero-width space in the username", "admin\u200b", []string{"admin\u200b"}},
		{"direction mark in the username", "\u202eadmin", []string{"\u202eadmin"}},
		{"username that is a phone number", "2015550100", []string{"2015550100"}},
		{"two emails in one", "eve", []string{"--email", "alice@example.com,eve@example.net", "eve"}},
		{"email that is no address", "eve", []string{"--email", "eve at example.net", "eve"}},
		{"email an app reads as alice's", "eve", []string{"--email", "ａlice@example.com", "eve"}},
		{"email an upper-casing app reads as alice's", "eve", []string{"--email", "al\u0131ce@example.com", "eve"}},
		{"group with a semicolon", "eve", []string{"--groups", "staff;admins", "eve"}},
		{"group with a space", "eve", []string{"--groups", "staff admins", "eve"}},
		{"name on two lines", "eve", []string{"--name", "Eve\nX-Auth-User: admin", "eve"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := add(tt.args...)
			all, err := users.List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(all, func(u *auth.User) bool { return u.Username == tt.username })
			if code == 0 || i >= 0 {
				t.Errorf("user add %q: exit %d; want it refused\n%s", tt.args, code, out)
			}
			if i >= 0 {
				u := all[i]
				t.Errorf("an account was made: username %q, email %q, name %q, groups %q", u.Username, u.AssertedEmail(), u.DisplayName, u.Groups)
				// Clean up for the cases after it.
				if err := users.Delete(context.Background(), u.Username); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
