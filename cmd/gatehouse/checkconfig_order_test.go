package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCheckConfigPrintsEveryProblemInLineOrder runs `check-config` on
// files holding a problem of each kind: a key YAML cannot take (an
// unknown key, line 8), a value Validate refuses (line 13), a warning
// (line 6) and a file the configuration names that is missing (the
// signing key, line 4). Every one is printed, in the file's line order,
// those without a line (defaults, the whole file) after them
// (docs/contract.md, "Command line"). Before, the unknown key hid all
// the others, a refused value hid the missing files, and the warnings
// came first, then the configuration's problems, then the files': lines
// 6, 13, 4.
func TestCheckConfigPrintsEveryProblemInLineOrder(t *testing.T) {
	const head = `server:
  public_url: "https://auth.example.com"
identity:
  signing_key_file: missing.key
otp:
  ttl: 15m
session:
`
	const tail = `routes:
  - name: app
    host: app.example.com
    upstream: "http://127.0.0.1:9001"
`
	tests := []struct {
		name, session, policy string
		lines                 []int
	}{
		{"an unknown key, a refused value, a warning, a missing file", "  idle_timout: 1h\n", "bogus", []int{4, 6, 8, 13}},
		{"a refused value, a warning, a missing file", "  idle_timeout: 1h\n", "bogus", []int{4, 6, 13}},
		{"an unknown key, a warning, a missing file", "  idle_timout: 1h\n", "password", []int{4, 6, 8}},
		{"a warning and a missing file", "  idle_timeout: 1h\n", "password", []int{4, 6}},
	}
	located := regexp.MustCompile(`^[^:]*gateway\.yaml:(\d+): `)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "gateway.yaml")
			body := head + tt.session + tail + "    policy: " + tt.policy + "\n"
			if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCmd(t, "", "check-config", "-c", path)
			if code != 1 {
				t.Fatalf("exit %d, want 1:\n%s%s", code, out, errOut)
			}
			var lines []int
			unlocated := 0
			for l := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
				m := located.FindStringSubmatch(l)
				if m == nil {
					unlocated++
					continue
				}
				if unlocated > 0 {
					t.Errorf("a located problem after one without a line:\n%s", out)
				}
				n, _ := strconv.Atoi(m[1])
				lines = append(lines, n)
			}
			if !slices.Equal(lines, tt.lines) {
				t.Errorf("problems printed on lines %v, want %v:\n%s", lines, tt.lines, out)
			}
			// sms.provider's console (the default) and users.file (the
			// default, missing) have no line.
			for _, want := range []string{"warning: sms.provider: console", "users.file (not in this file: the default)"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if unlocated != 2 {
				t.Errorf("%d lines without a line number, want 2:\n%s", unlocated, out)
			}
		})
	}
}
