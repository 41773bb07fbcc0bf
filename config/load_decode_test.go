package config_test

// Tests of decoding the YAML: anchors and merge keys, the bound on
// aliases, the lines of keys, unknown keys, wrong types and malformed
// documents.

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

func TestParseAnchorsAndMergeKeys(t *testing.T) {
	cfg := mustParse(t, `
routes:
  - &crm
    name: crm
    host: crm.example.com
    upstream: http://crm:9001
    policy: two_factor
  - <<: *crm
    name: crm-public
    path_prefix: /public
    policy: bypass
`)
	if len(cfg.Routes) != 2 {
		t.Fatalf("got %d routes", len(cfg.Routes))
	}
	pub := cfg.Routes[1]
	if pub.Name != "crm-public" || pub.Host != "crm.example.com" || pub.Upstream != "http://crm:9001" ||
		pub.Policy != "bypass" || pub.PathPrefix != "/public" {
		t.Errorf("merged route = %+v", pub)
	}
}

func TestParseMergeList(t *testing.T) {
	cfg := mustParse(t, `
routes:
  - &base
    name: base
    host: a.example.com
    upstream: http://a
    policy: password
  - &strict
    name: strict
    policy: two_factor
    max_auth_age: 5m
  - <<: [*strict, *base]
    name: merged
`)
	got := cfg.Routes[2]
	if got.Name != "merged" || got.Policy != "two_factor" || got.Host != "a.example.com" || got.MaxAuthAge != 5*time.Minute {
		t.Errorf("merged route = %+v (earlier mappings in a merge list must win)", got)
	}
}

// TestParseAliasExpansionIsBounded checks that a small file cannot expand
// through aliases into work without end.
func TestParseAliasExpansionIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("routes:\n  - &r {name: a, host: a.example.com, groups: [x, y, z], methods: [GET]}\n")
	b.WriteString("  - <<: *r\n    name: b\n")
	for range 50_000 {
		b.WriteString("  - *r\n")
	}
	start := time.Now()
	cfg, err := config.Parse("gateway.yaml", []byte(b.String()), noEnv)
	if cfg != nil || err == nil {
		t.Fatalf("Parse accepted %d aliased routes", 50_000)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("Parse took %s", elapsed)
	}
	if ps := config.Problems(err); len(ps) != 1 {
		t.Errorf("got %d problems, want 1", len(ps))
	}
}

func TestLine(t *testing.T) {
	cfg := mustParse(t, `server:
  listen: ":8080"
  trusted_proxies:
    - 10.0.0.0/8
    - 192.168.0.0/16
routes:
  - name: a
    host: a.example.com
  - name: b

    host: b.example.com
`)
	for path, want := range map[string]int{
		"server":                   1,
		"server.listen":            2,
		"server.trusted_proxies":   3,
		"server.trusted_proxies.1": 5,
		"routes.0":                 7,
		"routes.0.host":            8,
		"routes.1":                 9,
		"routes.1.host":            11,
		"session.idle_timeout":     0,
		"routes.2":                 0,
	} {
		if got := cfg.Line(path); got != want {
			t.Errorf("Line(%q) = %d, want %d", path, got, want)
		}
	}
	if got := config.Default().Line("server.listen"); got != 0 {
		t.Errorf("Default().Line = %d, want 0", got)
	}
}

func TestParseUnknownKeys(t *testing.T) {
	src := `sesion:
  idle_timeout: 1h
server:
  listen: ":8080"
  tls:
    cert: /x.pem
  timeouts: { read: 1s, wirte: 2s }
sms:
  twilio:
    acount_sid: AC00
routes:
  - name: a
    host: a.example.com
  - name: b
    hots: b.example.com
    PathPrefix: /b
    colour: blue
`
	_, err := config.Parse("gateway.yaml", []byte(src), noEnv)
	want := []string{
		`gateway.yaml:1: unknown key "sesion" (did you mean "session"?)`,
		`gateway.yaml:6: server.tls: unknown key "cert" (did you mean "cert_file"?)`,
		`gateway.yaml:7: server.timeouts: unknown key "wirte" (did you mean "write"?)`,
		`gateway.yaml:10: sms.twilio: unknown key "acount_sid" (did you mean "account_sid"?)`,
		`gateway.yaml:15: routes.1: unknown key "hots" (did you mean "host"?)`,
		`gateway.yaml:16: routes.1: unknown key "PathPrefix" (did you mean "path_prefix"?)`,
		`gateway.yaml:17: routes.1: unknown key "colour"`,
	}
	if err == nil {
		t.Fatal("Parse accepted unknown keys")
	}
	if got := strings.Split(err.Error(), "\n"); !equal(got, want) {
		t.Fatalf("got:\n%s\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

// TestParseMisplacedKeys: a key written under the wrong section, or
// not indented under any (the commonest YAML slip), is named with the
// section it belongs to.
func TestParseMisplacedKeys(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"top level", "session:\n  idle_timeout: 1h\nsecure: true\n",
			`gateway.yaml:3: unknown key "secure" (a key of session: is it indented under session:?)`},
		{"other section", "session:\n  public_url: \"https://auth.example.com\"\n",
			`gateway.yaml:2: session: unknown key "public_url" (a key of server: is it indented under server:?)`},
		{"route key at the top", "routes:\n  - name: a\n    host: a.example.com\npolicy: deny\n",
			`gateway.yaml:4: unknown key "policy" (a key of each route: is it indented under routes: - ?)`},
		{"a few sections", "max_entries: 10\n",
			`gateway.yaml:1: unknown key "max_entries" (a key of store.redis.client_cache: is it indented under store.redis.client_cache:?)`},
		{"typo first", "sesion:\n  secure: true\n",
			`gateway.yaml:1: unknown key "sesion" (did you mean "session"?)`},
		{"nowhere", "colour: blue\n", `gateway.yaml:1: unknown key "colour"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse("gateway.yaml", []byte(tt.src), noEnv)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error:\n%v\nwant:\n%s", err, tt.want)
			}
		})
	}
}

func TestParseTypeErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []located
	}{
		{"duration", "session:\n  idle_timeout: banana\n", []located{{2, "session.idle_timeout"}}},
		{"duration without unit", "routes:\n  - max_auth_age: 10\n", []located{{2, "routes.0.max_auth_age"}}},
		{"integer", "store:\n  redis:\n    db: one\n", []located{{3, "store.redis.db"}}},
		{"fraction", "otp:\n  length: 6.5\n", []located{{2, "otp.length"}}},
		{"boolean", "session:\n  secure: maybe\n", []located{{2, "session.secure"}}},
		{"yes is not a boolean", "session:\n  secure: yes\n", []located{{2, "session.secure"}}},
		{"uint8 overflow", "hashing:\n  argon2id: { parallelism: 300 }\n", []located{{2, "hashing.argon2id.parallelism"}}},
		{"negative uint", "hashing:\n  argon2id:\n    memory_kib: -1\n", []located{{3, "hashing.argon2id.memory_kib"}}},
		{"list expected", "server:\n  trusted_proxies: 10.0.0.1\n", []located{{2, "server.trusted_proxies"}}},
		{"mapping expected", "server:\n  - listen\n", []located{{2, "server"}}},
		{"value expected", "server:\n  listen: { port: 80 }\n", []located{{2, "server.listen"}}},
		{"list item", "routes:\n  - name: a\n  - [b]\n", []located{{3, "routes.1"}}},
		{"duplicate key", "session:\n  secure: true\n  secure: false\n", []located{{3, "session"}}},
		{
			"all at once",
			"session:\n  idle_timeout: banana\n  secure: maybe\nstore:\n  redis:\n    db: x\n",
			[]located{{2, "session.idle_timeout"}, {3, "session.secure"}, {6, "store.redis.db"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse("gateway.yaml", []byte(tt.src), noEnv)
			if cfg != nil {
				t.Errorf("Parse returned a config along with problems")
			}
			if got := locations(err); !equal(got, tt.want) {
				t.Fatalf("problems at %v, want %v (%v)", got, tt.want, err)
			}
		})
	}
	t.Run("message", func(t *testing.T) {
		_, err := config.Parse("gateway.yaml", []byte("session:\n  idle_timeout: banana\n"), noEnv)
		want := `gateway.yaml:2: session.idle_timeout: "banana" is not a duration (use Go syntax such as 30s, 15m or 12h)`
		if err == nil || err.Error() != want {
			t.Fatalf("error = %v, want %s", err, want)
		}
	})
}

func TestParseMalformed(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		hint      string
	}{
		{"unclosed flow list", "server:\n  listen: \":8080\"\n  trusted_proxies: [\n", 3, ""},
		// An indentation slip is reported on the line that slipped, not on
		// the first line of the block it broke (yaml.v3's own line).
		{"bad indentation", "server:\n  listen: a\n public_url: b\n", 3, "indented"},
		{"route key outdented", "routes:\n  - name: a\n    host: a.example.com\n    upstream: http://127.0.0.1:9001\n  policy: password\n  - name: b\n", 5, "indented"},
		{"route key half outdented", "routes:\n  - name: a\n    host: x\n   policy: deny\n", 4, "indented"},
		{"key outdented after a comment", "session:\n  secure: true\n  # the cookie's site\n same_site: lax\nusers:\n  backend: file\n", 4, "indented"},
		{"tab indentation", "server:\n\tlisten: \":8080\"\n", 2, "tabs"},
		{"top-level list", "- server\n- store\n", 1, "mapping"},
		{"top-level scalar", "hello\n", 1, "mapping"},
		{"two documents", "server: {}\n---\nstore: {}\n", 2, "one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse("gateway.yaml", []byte(tt.src), noEnv)
			if cfg != nil || err == nil {
				t.Fatalf("Parse accepted malformed YAML")
			}
			ps := config.Problems(err)
			if len(ps) != 1 {
				t.Fatalf("got %d problems, want 1: %v", len(ps), err)
			}
			if ps[0].Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", ps[0].Line, tt.line, err)
			}
			if !strings.Contains(ps[0].Message, tt.hint) {
				t.Errorf("message %q does not mention %q", ps[0].Message, tt.hint)
			}
		})
	}
}
