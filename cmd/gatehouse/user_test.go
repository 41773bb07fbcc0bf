package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestUserCommands drives `gatehouse user ...` against a real Redis and
// checks the accounts through the same backend the gateway uses.
func TestUserCommands(t *testing.T) {
	addr := testredis.Start(t)
	dir := t.TempDir()
	// delete forgets the account's keys in the store, named with keys
	// derived from the signing key.
	if code, _, e := runCmd(t, "", "keygen", "-o", filepath.Join(dir, "gatehouse.key")); code != 0 {
		t.Fatal(e)
	}
	cfgPath := filepath.Join(dir, "gateway.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`store:
  driver: redis
  key_prefix: "cli:"
  redis:
    addrs: [%q]
users:
  backend: redis
hashing:
  argon2id: { memory_kib: 1024, iterations: 1, parallelism: 1 }
`, addr)), 0o600)

	ok := func(stdin string, args ...string) string {
		t.Helper()
		code, out, errOut := runCmd(t, stdin, append([]string{"user"}, args...)...)
		if code != 0 {
			t.Fatalf("user %v: exit %d\n%s%s", args, code, out, errOut)
		}
		return out
	}
	fails := func(stdin, want string, args ...string) {
		t.Helper()
		code, out, errOut := runCmd(t, stdin, append([]string{"user"}, args...)...)
		if code == 0 || !strings.Contains(out+errOut, want) {
			t.Fatalf("user %v: exit %d, want failure mentioning %q\n%s%s", args, code, want, out, errOut)
		}
	}

	ok("a long cli passphrase\n", "add", "-c", cfgPath, "--email", "Ivy@Example.com", "--phone", "+1 201 555 0170", "--name", "Ivy Example", "--groups", "admins, staff", "ivy")
	fails("another long passphrase\n", "already registered", "add", "-c", cfgPath, "--email", "ivy@example.com", "ivy2")
	fails("password\n", "common", "add", "-c", cfgPath, "--email", "joe@example.com", "joe")
	fails("", "argument", "show", "-c", cfgPath)

	if out := ok("", "list", "-c", cfgPath); !strings.Contains(out, "ivy") || !strings.Contains(out, "ivy@example.com") || !strings.Contains(out, "admins,staff") {
		t.Errorf("list:\n%s", out)
	}
	if out := ok("", "show", "-c", cfgPath, "ivy@example.com"); !strings.Contains(out, "phone: +12015550170") {
		t.Errorf("show:\n%s", out)
	}
	ok("", "set-phone", "-c", cfgPath, "ivy", "+12015550171")
	ok("a newer cli passphrase\n", "set-password", "-c", cfgPath, "ivy")
	ok("", "disable", "-c", cfgPath, "--force", "ivy") // the only administrator

	client, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, DialTimeout: time.Second, OpTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	users := storeusers.New(redisstore.New(client, "cli:", time.Second), "")
	u, err := users.Lookup(context.Background(), "+12015550171")
	if err != nil || u.Username != "ivy" || !u.Disabled {
		t.Fatalf("after set-phone and disable: %+v, %v", u, err)
	}
	h := auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 1, time.Second)
	if ok, _ := h.Verify(context.Background(), u.PasswordHash, "a newer cli passphrase"); !ok {
		t.Error("set-password did not take")
	}
	ok("", "enable", "-c", cfgPath, "ivy")
	ok("", "delete", "-c", cfgPath, "--force", "ivy")

	// A sign-up's own email is shown unverified until set-email vouches
	// for it (docs/contract.md, "Sign-up").
	ctx := context.Background()
	if err := users.Reserve(ctx, &auth.User{Username: "sam", Email: "sam@example.com", PasswordHash: u.PasswordHash, EmailUnverified: true}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := users.Activate(ctx, "sam", ""); err != nil {
		t.Fatal(err)
	}
	if out := ok("", "show", "-c", cfgPath, "sam"); !strings.Contains(out, "email-unverified") {
		t.Errorf("show of a sign-up:\n%s", out)
	}
	fails("", "not an email address", "set-email", "-c", cfgPath, "sam", "nope")
	ok("", "set-email", "-c", cfgPath, "sam", "Sam@Example.org")
	if s, err := users.Lookup(ctx, "sam"); err != nil || s.Email != "sam@example.org" || s.EmailUnverified {
		t.Errorf("after set-email: %+v, %v; want sam@example.org, vouched for", s, err)
	}
	if out := ok("", "show", "-c", cfgPath, "sam"); strings.Contains(out, "email-unverified") {
		t.Errorf("show after set-email:\n%s", out)
	}
	fails("", "not found", "show", "-c", cfgPath, "ivy")

	// The file backend is managed by editing users.yaml.
	filePath := filepath.Join(dir, "file.yaml")
	os.WriteFile(filePath, []byte("users:\n  backend: file\n"), 0o600)
	fails("", "users.yaml", "list", "-c", filePath)
}
