package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

// TestOperatorAccountChangesAreAudited: every `gatehouse user` command
// that changes an account lands in the audit trail once, with the
// operator as its actor and never the whole phone number
// (docs/contract.md, "Command line": operator commands are audited with
// actor "cli:$USER"). Before, add (into admin.group), set-phone,
// set-email, set-password, disable and enable left no trace, and
// reset-2fa recorded the phone cleared but not the passkeys it took: an
// operator could give themselves an administrator's account, or move its
// number to their own, and the console's history showed nothing.
func TestOperatorAccountChangesAreAudited(t *testing.T) {
	t.Setenv("USER", "opsy")
	cfgPath, origin := cliWorld(t, "aud:")
	steps := []struct {
		stdin string
		args  []string
		event string // the record the step must add
	}{
		{"a long cli passphrase\n", []string{"add", "--phone", "+1 201 555 0170", "--groups", "admins", "ivy"}, "admin_user_created"},
		{"", []string{"set-phone", "ivy", "+12015550171"}, "admin_phone_set"},
		{"", []string{"set-email", "ivy", "ivy@corp.example"}, "admin_email_set"},
		{"a newer cli passphrase\n", []string{"set-password", "ivy"}, "admin_password_set"},
		{"", []string{"disable", "--force", "ivy"}, "admin_disabled"}, // the only administrator
		{"", []string{"enable", "ivy"}, "admin_enabled"},
		{"", []string{"reset-2fa", "ivy"}, "admin_passkey_removed"},
	}
	for _, st := range steps {
		if st.args[0] == "reset-2fa" {
			addPasskey(t, storePasskeys(t, cfgPath), origin, "ivy", "Ivy's phone")
		}
		args := append([]string{"user", st.args[0], "-c", cfgPath}, st.args[1:]...)
		if code, out, e := runCmd(t, st.stdin, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", st.args, code, out, e)
		}
	}

	code, out, e := runCmd(t, "", "audit", "tail", "-c", cfgPath, "--user", "ivy", "-n", "100")
	if code != 0 {
		t.Fatalf("audit tail: %d\n%s", code, e)
	}
	for _, whole := range []string{"2015550170", "2015550171"} {
		if strings.Contains(out, whole) {
			t.Errorf("the audit trail holds the whole number %s:\n%s", whole, out)
		}
	}
	seen := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct{ Event, User, Actor string }
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("audit tail line %q: %v", line, err)
		}
		if r.User == "ivy" && r.Actor == "cli:opsy" {
			seen[r.Event]++
		}
	}
	for _, st := range steps {
		if seen[st.event] != 1 {
			t.Errorf("gatehouse user %s: %d %s records of ivy by cli:opsy, want 1 (trail: %v)", st.args[0], seen[st.event], st.event, seen)
		}
	}
}

// TestOperatorChangesNameTheAccountExactly: a command that changes an
// account acts on the account whose username was typed, never on one
// whose email or phone number it is (as the console's actions and
// issue-recovery, reset-2fa, unban and revoke do). Before, set-password
// looked the name up as a login: an operator asked to set a password for
// "jane@corp.example" set it on mallory, who had given that address at
// sign-up, and handed mallory's account to jane, or mallory's new
// password to whoever asked.
func TestOperatorChangesNameTheAccountExactly(t *testing.T) {
	cfgPath, _ := cliWorld(t, "exact:")
	_, st := cliStore(t, cfgPath)
	users := storeusers.New(st, "")
	ctx := t.Context()
	if code, out, e := runCmd(t, "jane's own passphrase\n", "user", "add", "-c", cfgPath, "jane"); code != 0 {
		t.Fatalf("user add: %d\n%s%s", code, out, e)
	}
	// mallory signs up with jane's address and a number of her own.
	hash, err := auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 1, time.Minute).Hash(ctx, "mallory's passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if err := users.Reserve(ctx, &auth.User{Username: "mallory", Email: "jane@corp.example", EmailUnverified: true, Phone: "+12015550199", PasswordHash: hash}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := users.Activate(ctx, "mallory", "+12015550199"); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		stdin string
		args  []string
	}{
		{"an operator's passphrase\n", []string{"set-password", "jane@corp.example"}},
		{"an operator's passphrase\n", []string{"set-password", "+1 201 555 0199"}},
		{"", []string{"disable", "jane@corp.example"}},
		{"", []string{"set-phone", "jane@corp.example", "+12015550177"}},
		{"", []string{"set-email", "+12015550199", "x@corp.example"}},
	} {
		args := append([]string{"user", c.args[0], "-c", cfgPath}, c.args[1:]...)
		if code, out, _ := runCmd(t, c.stdin, args...); code == 0 {
			t.Errorf("gatehouse user %v was carried out: %s", c.args, out)
		}
	}
	m, err := users.Lookup(ctx, "mallory")
	if err != nil {
		t.Fatal(err)
	}
	if m.PasswordHash != hash || m.Disabled || m.Phone != "+12015550199" || m.Email != "jane@corp.example" {
		t.Errorf("mallory was changed by commands naming her email or phone: %+v", m)
	}
}
