package config

// The fuzz test of Parse, Validate and the helpers built on them.

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary documents to Parse. It must never panic, must
// return either a configuration or problems, and whatever it accepts must
// survive Validate and the helpers built on it.
func FuzzParse(f *testing.F) {
	if example, err := os.ReadFile("../gateway.yaml"); err == nil {
		f.Add(string(example))
	}
	for _, seed := range []string{
		"",
		"server:\n  listen: \":8080\"\n  public_url: ${URL}\n",
		"session:\n  idle_timeout: banana\n  secure: maybe\n",
		"routes:\n  - &r\n    name: a\n    host: \"*\"\n    policy: bypass\n  - <<: *r\n    name: b\n",
		"store:\n  redis:\n    password_file: /secret\n    db: ${DB}\n",
		"sesion: {}\nserver: [1, 2]\n",
		"otp:\n  message: \"{{.Code}}{{template \\\"x\\\"}}\"\n",
		"a: &a [*a]\n",
		"hashing: {argon2id: {parallelism: 0, memory_kib: 0}}\n",
		"- 1\n",
		"x: 1\n---\ny: 2\n",
	} {
		f.Add(seed)
	}
	env := func(name string) (string, bool) {
		switch name {
		case "URL":
			return "https://auth.example.com", true
		case "DB":
			return "3", true
		}
		return "", false
	}
	// Never touch the file system from the fuzzer.
	readFile := func(path string) (string, error) { return " secret-of-" + path + "\n", nil }

	f.Fuzz(func(t *testing.T, src string) {
		cfg, err := parse("fuzz.yaml", []byte(src), env, readFile)
		if (cfg == nil) == (err == nil) {
			t.Fatalf("parse returned config %v and error %v", cfg != nil, err)
		}
		if err != nil {
			for _, p := range Problems(err) {
				if p.File != "fuzz.yaml" || strings.Contains(p.Message, "\n") {
					t.Fatalf("malformed problem %#v", p)
				}
			}
			return
		}
		if verr := cfg.Validate(); verr == nil {
			_ = cfg.TrustedProxyPrefixes()
		}
		for _, p := range Problems(cfg.Validate()) {
			if strings.Contains(p.Message, "secret-of-") {
				t.Fatalf("problem shows a secret: %v", p)
			}
		}
	})
}
