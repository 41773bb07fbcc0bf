package main

import (
	"strings"
	"testing"
)

// TestHelpAndVersion: the program's own -h/--help/--version are answered
// (before, they fell through to serve's flags and exited 2), and a
// subcommand's -h prints its own flags and exits 0; user list does not
// list add's flags.
func TestHelpAndVersion(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		code     int
		contains string
		lacks    string
	}{
		{[]string{"--help"}, 0, "Usage: gatehouse <command>", ""},
		{[]string{"-h"}, 0, "Usage: gatehouse <command>", ""},
		{[]string{"--version"}, 0, "gatehouse ", ""},
		{[]string{"check-config", "-h"}, 0, "-c", ""},
		{[]string{"hash-password", "--help"}, 0, "-c", ""},
		{[]string{"user", "--help"}, 0, "add", ""},
		{[]string{"user", "list", "-h"}, 0, "-c", "force-2fa"},
		{[]string{"user", "add", "-h"}, 0, "force-2fa", ""},
		{[]string{"no-such-command"}, 2, "unknown command", ""},
	} {
		code, out, errOut := runCmd(t, "", tc.args...)
		all := out + errOut
		if code != tc.code || !strings.Contains(all, tc.contains) || (tc.lacks != "" && strings.Contains(all, tc.lacks)) {
			t.Errorf("gatehouse %s: exit %d, output:\n%s\nwant exit %d with %q and without %q", strings.Join(tc.args, " "), code, all, tc.code, tc.contains, tc.lacks)
		}
	}
}

// TestHelpExitsZeroEverywhere: -h, -help and --help print a usage and
// exit 0 after every command and subcommand that takes them (a script
// or an operator reading the exit status takes 2 for a mistyped
// command); before, `admin token --help` printed the usage to stderr
// and exited 2, and `admin -help`, `audit -help` and `derivation-key
// -help` did too, while `admin --help` and `user -help` exited 0.
func TestHelpExitsZeroEverywhere(t *testing.T) {
	commands := [][]string{
		{}, {"serve"}, {"demo"}, {"demo-app"}, {"check-config"}, {"hash-password"}, {"keygen"},
		{"user"}, {"user", "list"}, {"user", "add"}, {"user", "revoke"},
		{"audit"}, {"audit", "tail"},
		{"admin"}, {"admin", "token"}, {"admin", "token", "create"}, {"admin", "token", "list"}, {"admin", "token", "revoke"},
		{"derivation-key"}, {"derivation-key", "adopt"},
	}
	for _, cmd := range commands {
		for _, help := range []string{"-h", "-help", "--help"} {
			args := append(append([]string{}, cmd...), help)
			code, out, errOut := runCmd(t, "", args...)
			if code != 0 || !strings.Contains(out+errOut, "sage") {
				t.Errorf("gatehouse %s: exit %d, output:\n%s%s\nwant exit 0 with a usage", strings.Join(args, " "), code, out, errOut)
			}
		}
	}
}
