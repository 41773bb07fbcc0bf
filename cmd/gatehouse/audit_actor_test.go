package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

// TestOperatorIsNoAccountOnTheTrail: an operator command run where $USER
// is unset (docker exec into the shipped image, a cron job, a systemd
// unit) is recorded with an actor no account can be named, so the trail
// never shows it as an account's doing (docs/contract.md, "Command
// line"). Before, its actor was "cli", a name sign-up gives anyone: the
// history of the stranger who signed up as "cli" (the console's page of
// the account, audit tail --user cli, the API's ?user=cli) listed the
// operator's changes of other accounts, by "cli", as that account's.
func TestOperatorIsNoAccountOnTheTrail(t *testing.T) {
	if _, err := auth.ValidateAdd(auth.NewAccount{Username: "cli", Email: "cli@example.net"}, nil, ""); err != nil {
		t.Fatalf("the test needs an account name sign-up takes: %v", err)
	}
	cfgPath, _ := cliWorld(t, "actor:")
	_, st := cliStore(t, cfgPath)
	ctx := t.Context()
	// A stranger signs up as "cli".
	hash, err := auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 1, time.Minute).Hash(ctx, "a stranger's passphrase")
	if err != nil {
		t.Fatal(err)
	}
	users := storeusers.New(st, "")
	if err := users.Reserve(ctx, &auth.User{Username: "cli", Email: "cli@example.net", EmailUnverified: true, Phone: "+12015550188", PasswordHash: hash}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := users.Activate(ctx, "cli", "+12015550188"); err != nil {
		t.Fatal(err)
	}

	t.Setenv("USER", "")
	for _, c := range []struct {
		stdin string
		args  []string
	}{
		{"bob's long passphrase\n", []string{"add", "--groups", "admins", "bob"}},
		{"", []string{"disable", "--force", "bob"}}, // the only administrator
		{"", []string{"issue-recovery", "bob"}},
	} {
		args := append([]string{"user", c.args[0], "-c", cfgPath}, c.args[1:]...)
		if code, out, e := runCmd(t, c.stdin, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", c.args, code, out, e)
		}
	}

	trail := func(args ...string) []auth.AuditRecord {
		code, out, e := runCmd(t, "", append([]string{"audit", "tail", "-c", cfgPath, "-n", "100"}, args...)...)
		if code != 0 {
			t.Fatalf("audit tail: %d\n%s", code, e)
		}
		var recs []auth.AuditRecord
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if line == "" {
				continue
			}
			var r auth.AuditRecord
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("audit tail line %q: %v", line, err)
			}
			recs = append(recs, r)
		}
		return recs
	}
	ops := 0
	for _, r := range trail() {
		if r.User != "bob" {
			continue
		}
		ops++
		if name, ok := strings.CutPrefix(r.Actor, "cli:"); !ok || name == "" {
			t.Errorf("%s of bob by %q: want cli: and the operator's name", r.Event, r.Actor)
		}
	}
	if ops != 3 {
		t.Errorf("%d records of bob, want 3", ops)
	}
	for _, r := range trail("--user", "cli") {
		if r.User != "cli" {
			t.Errorf("the history of the account cli lists %s of %s by %q", r.Event, r.User, r.Actor)
		}
	}
}
