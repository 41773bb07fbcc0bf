package main

import (
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

// TestUserCommandsKeepAnAdministrator: ada is the only member of admins
// who can sign in (beside her, an invited administrator without a
// password). Before, `gatehouse user disable ada` and `gatehouse user
// delete ada` did it (exit 0) and nobody could sign in to the console.
// Now each refuses, saying why and that --force does it anyway, and
// changes nothing; with --force it is done (an operator taking a stolen
// administrator's account away), and said so (docs/contract.md, "Command
// line").
func TestUserCommandsKeepAnAdministrator(t *testing.T) {
	for _, sub := range []string{"disable", "delete"} {
		t.Run(sub, func(t *testing.T) {
			cfgPath, _ := cliWorld(t, "last"+sub+":")
			if code, out, e := runCmd(t, "ada's long passphrase\n", "user", "add", "-c", cfgPath, "--groups", "admins", "ada"); code != 0 {
				t.Fatalf("user add: %d\n%s%s", code, out, e)
			}
			_, st := cliStore(t, cfgPath)
			users := storeusers.New(st, "")
			ctx := t.Context()
			if _, err := users.Invite(ctx, &auth.User{Username: "ivy", Email: "ivy@example.com", Groups: []string{"admins"}}, false); err != nil {
				t.Fatal(err)
			}

			code, out, e := runCmd(t, "", "user", sub, "-c", cfgPath, "ada")
			if code == 0 {
				t.Fatalf("user %s of the last administrator who can sign in: exit 0\n%s", sub, out)
			}
			if !strings.Contains(e, "last administrator") || !strings.Contains(e, "--force") {
				t.Errorf("user %s refused without saying why or how: %q", sub, e)
			}
			u, err := users.Lookup(ctx, "ada")
			if err != nil || !auth.CanAdminister(u, "admins") {
				t.Fatalf("ada after a refused %s: %+v (%v)", sub, u, err)
			}

			code, out, e = runCmd(t, "", "user", sub, "--force", "-c", cfgPath, "ada")
			if code != 0 {
				t.Fatalf("user %s --force: %d\n%s%s", sub, code, out, e)
			}
			if !strings.Contains(out+e, "no administrator") {
				t.Errorf("user %s --force says nothing of the console left to nobody: %q", sub, out+e)
			}
			if u, err := users.Lookup(ctx, "ada"); err == nil && auth.CanAdminister(u, "admins") {
				t.Errorf("ada after user %s --force: %+v", sub, u)
			}
		})
	}
}
