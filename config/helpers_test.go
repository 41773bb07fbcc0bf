package config_test

// Helpers the tests share: files and environments to parse with, the
// places and keys of problems, a key's value, configurations compared,
// and the list of every key.

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
	"gopkg.in/yaml.v3"
)

// writeFile writes content to the file name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// noEnv is a lookupEnv with no variables set.
func noEnv(string) (string, bool) { return "", false }

// mapEnv is a lookupEnv backed by a map.
func mapEnv(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// mustParse parses src as gateway.yaml and fails the test on any problem.
func mustParse(t *testing.T, src string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("gateway.yaml", []byte(src), noEnv)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cfg
}

// located is a problem reduced to where it is, for comparisons.
type located struct {
	Line int
	Key  string
}

// locations returns where each problem in err is, in order.
func locations(err error) []located {
	var out []located
	for _, p := range config.Problems(err) {
		out = append(out, located{p.Line, p.Key})
	}
	return out
}

// keys returns the key of each problem in err, in order.
func keys(err error) []string {
	var out []string
	for _, p := range config.Problems(err) {
		out = append(out, p.Key)
	}
	return out
}

// field returns the value at a dotted yaml key path ("session.idle_timeout",
// "routes.0.host") of cfg.
func field(t *testing.T, cfg *config.Config, path string) any {
	t.Helper()
	v := reflect.ValueOf(cfg).Elem()
	for _, part := range strings.Split(path, ".") {
		switch v.Kind() {
		case reflect.Slice:
			i, err := strconv.Atoi(part)
			if err != nil || i >= v.Len() {
				t.Fatalf("%s: no element %q", path, part)
			}
			v = v.Index(i)
		case reflect.Struct:
			found := false
			for i := range v.NumField() {
				name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
				if name == part {
					v, found = v.Field(i), true
					break
				}
			}
			if !found {
				t.Fatalf("%s: no key %q", path, part)
			}
		default:
			t.Fatalf("%s: %q is below a single value", path, part)
		}
	}
	return v.Interface()
}

// sameConfig fails unless got and want have the same values (File and
// line numbers are not compared).
func sameConfig(t *testing.T, got, want *config.Config) {
	t.Helper()
	g, err := yaml.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := yaml.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if string(g) == string(w) {
		return
	}
	gl, wl := strings.Split(string(g), "\n"), strings.Split(string(w), "\n")
	for i := range max(len(gl), len(wl)) {
		var a, b string
		if i < len(gl) {
			a = gl[i]
		}
		if i < len(wl) {
			b = wl[i]
		}
		if a != b {
			t.Fatalf("configs differ at marshalled line %d:\n got: %s\nwant: %s", i+1, a, b)
		}
	}
}

func equal[T comparable](a, b []T) bool { return slices.Equal(a, b) }

// allKeys lists every dotted key of the configuration, with routes.0 for
// the keys of a route.
func allKeys(t *testing.T) []string {
	t.Helper()
	var out []string
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "" || name == "-" {
				continue
			}
			key := name
			if prefix != "" {
				key = prefix + "." + name
			}
			out = append(out, key)
			switch {
			case f.Type.Kind() == reflect.Struct:
				walk(key, f.Type)
			case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
				walk(key+".0", f.Type.Elem())
			}
		}
	}
	walk("", reflect.TypeFor[config.Config]())
	return out
}

// secretFileKey reports whether key is a <secret>_file key, which the
// example mentions in comments rather than sets.
func secretFileKey(key string) bool {
	switch key {
	case "store.redis.password_file", "sms.twilio.auth_token_file", "sms.twilio.api_key_secret_file", "sms.sinch.key_secret_file", "sms.webhook.secret_file", "totp.secret_key_file":
		return true
	}
	return false
}

// wantChecked checks cfg with Check: the keys of its problems and of its
// warnings, each in order.
func wantChecked(t *testing.T, cfg *config.Config, problems, warnings []string) {
	t.Helper()
	ws, err := cfg.Check()
	if got := keys(err); !equal(got, problems) {
		t.Errorf("problems at %q, want %q\n%v", got, problems, err)
	}
	var got []string
	for _, w := range ws {
		got = append(got, w.Key)
	}
	if !equal(got, warnings) {
		t.Errorf("warnings at %q, want %q\n%v", got, warnings, ws)
	}
}
