package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// badConfigs are configurations with problems of every kind: a key YAML
// cannot take (unknown), a value Validate refuses (policy), a warning
// (otp.ttl) and a file the configuration names that is missing (the
// signing key), in different line orders.
var badConfigs = []struct {
	name, body string
}{
	{"an unknown key, a refused value, a warning, a missing file", `server:
  public_url: "https://auth.example.com"
identity:
  signing_key_file: missing.key
otp:
  ttl: 15m
session:
  idle_timout: 1h
routes:
  - name: app
    host: app.example.com
    upstream: "http://127.0.0.1:9001"
    policy: bogus
`},
	{"a refused value before a warning and a missing file", `routes:
  - name: app
    host: app.example.com
    upstream: "http://127.0.0.1:9001"
    policy: bogus
otp:
  ttl: 15m
server:
  public_url: "https://auth.example.com"
identity:
  signing_key_file: missing.key
`},
	{"a warning and a missing file", `server:
  public_url: "https://auth.example.com"
otp:
  ttl: 15m
identity:
  signing_key_file: missing.key
routes:
  - name: app
    host: app.example.com
    upstream: "http://127.0.0.1:9001"
`},
}

// TestServeRefusesABadConfigurationAsCheckConfigReportsIt starts `serve`
// on each bad configuration: it exits 1 and prints to stderr exactly
// what `check-config` prints, every problem and warning in the file's
// line order (docs/contract.md, "Command line"). Before, serve printed
// the warnings, then the problems, an unknown key hid every other
// problem, and a missing signing key or users file was only said (alone)
// once everything else had passed.
func TestServeRefusesABadConfigurationAsCheckConfigReportsIt(t *testing.T) {
	for _, tt := range badConfigs {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "gateway.yaml")
			if err := os.WriteFile(path, []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			code, want, _ := runCmd(t, "", "check-config", "-c", path)
			if code != 1 || strings.Count(want, "\n") < 3 {
				t.Fatalf("check-config: exit %d, want 1 with several problems:\n%s", code, want)
			}
			code, out, errOut := runCmd(t, "", "serve", "-c", path)
			if code != 1 {
				t.Fatalf("serve: exit %d, want 1:\n%s%s", code, out, errOut)
			}
			if errOut != want {
				t.Errorf("serve printed:\n%s\ncheck-config printed:\n%s", errOut, want)
			}
		})
	}
}

// TestRefusedReloadLogsWhatCheckConfigReports writes each bad
// configuration over a served one and reloads: the reload is refused and
// its log line lists exactly what `check-config` prints, in the same
// order. Before, the list held the configuration's problems only (an
// unknown key alone), and no missing file.
func TestRefusedReloadLogsWhatCheckConfigReports(t *testing.T) {
	for _, tt := range badConfigs {
		t.Run(tt.name, func(t *testing.T) {
			w := newReloadWorld(t)
			w.write(t, "/", "")
			s := serveWorld(t, w)
			if err := os.WriteFile(w.path, []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			_, want, _ := runCmd(t, "", "check-config", "-c", w.path)
			s.reload("configuration reload rejected")
			var got []string
			for l := range strings.SplitSeq(s.logs.String(), "\n") {
				var rec struct {
					Msg      string   `json:"msg"`
					Problems []string `json:"problems"`
				}
				if json.Unmarshal([]byte(l), &rec) == nil && strings.HasPrefix(rec.Msg, "configuration reload rejected") {
					got = rec.Problems
				}
			}
			if wantList := strings.Split(strings.TrimSpace(want), "\n"); !slices.Equal(got, wantList) {
				t.Errorf("refused reload logged problems:\n%s\ncheck-config printed:\n%s", strings.Join(got, "\n"), want)
			}
		})
	}
}
