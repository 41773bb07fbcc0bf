package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// testHash is a usable (cheap) bcrypt hash.
const testHash = "$2a$04$abcdefghijklmnopqrstuuK0pKk7G2n2nYEAm1aUO5mB8S0bm4v5a"

// TestHoldDeletedHoldsTheNamesDeletedBeforeAnUpgrade: a store written
// before names were held kept nothing of the accounts deleted then, so
// after the upgrade a stranger could still sign up as any of them, and
// the app behind would hand them that person's data. `gatehouse user
// hold-deleted` holds the name of every account the audit trail says was
// deleted and no account has now (a pending sign-up of one included),
// leaves names accounts have alone, is audited admin_name_held, and
// holds nothing twice (docs/contract.md, "Names of deleted accounts").
func TestHoldDeletedHoldsTheNamesDeletedBeforeAnUpgrade(t *testing.T) {
	addr := testredis.Start(t)
	cfgPath, _ := cliWorldAt(t, addr, "hd:", "{ backend: redis }", "")
	ctx := t.Context()
	run := func(stdin string, args ...string) string {
		t.Helper()
		code, out, e := runCmd(t, stdin, append([]string{"user"}, args...)...)
		if code != 0 {
			t.Fatalf("user %v: %d\n%s%s", args, code, out, e)
		}
		return out
	}
	const pw = "a long cli passphrase\n"
	for _, n := range []string{"ada", "bob", "cyd"} {
		run(pw, "add", "-c", cfgPath, "--email", n+"@example.com", n)
		run("", "delete", "-c", cfgPath, n)
	}
	run(pw, "add", "-c", cfgPath, "--reuse-name", "--email", "bob2@example.com", "bob") // given again on purpose

	// The store as an earlier version left it: the deletes held nothing.
	client, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, DialTimeout: time.Second, OpTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	for _, n := range []string{"ada", "cyd"} {
		if err := client.Del(ctx, "hd:user:r:"+n).Err(); err != nil {
			t.Fatal(err)
		}
	}
	users := storeusers.New(redisstore.New(client, "hd:", time.Second), "")
	// A stranger's sign-up of cyd is under way.
	if err := users.Reserve(ctx, &auth.User{Username: "cyd", Email: "stranger@example.net", Phone: "+12015550177", PasswordHash: testHash}, time.Hour); err != nil {
		t.Fatal(err)
	}

	out := run("", "hold-deleted", "-c", cfgPath)
	if !strings.Contains(out, "held ada\n") || !strings.Contains(out, "held cyd\n") || strings.Contains(out, "held bob") {
		t.Fatalf("hold-deleted:\n%s\nwant ada and cyd held, bob (an account again) left alone", out)
	}
	for _, n := range []string{"ada", "cyd"} {
		if err := users.Reserve(ctx, &auth.User{Username: n, Email: n + "-new@example.net", PasswordHash: testHash}, time.Minute); !errors.Is(err, auth.ErrExists) {
			t.Errorf("a sign-up's reservation of %s after hold-deleted: %v, want refused as taken", n, err)
		}
	}
	if err := users.Activate(ctx, "cyd", "+12015550177"); !errors.Is(err, auth.ErrUserNotFound) {
		t.Errorf("the stranger's sign-up of cyd activated after hold-deleted: %v", err)
	}
	if u, err := users.Lookup(ctx, "bob"); err != nil || u.Email != "bob2@example.com" {
		t.Errorf("bob after hold-deleted: %+v, %v; want the account given the name", u, err)
	}
	if out := run("", "hold-deleted", "-c", cfgPath); strings.Contains(out, "held ") && !strings.Contains(out, "0 held now") {
		t.Errorf("hold-deleted run again:\n%s\nwant nothing held twice", out)
	}

	code, trail, e := runCmd(t, "", "audit", "tail", "-c", cfgPath, "--event", "admin_name_held", "-n", "10")
	if code != 0 {
		t.Fatalf("audit tail: %d\n%s", code, e)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(trail), "\n") {
		var r struct{ User, Actor string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit tail line %q: %v", line, err)
		}
		if strings.HasPrefix(r.Actor, "cli") {
			got = append(got, r.User)
		}
	}
	if strings.Join(got, ",") != "ada,cyd" {
		t.Errorf("admin_name_held by the operator: %v, want ada and cyd, once each\n%s", got, trail)
	}
}
