package config_test

// The configuration block of docs/contract.md, the contract of record,
// against Default: each value it writes is the default, and each key the
// configuration has is written there.

import (
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
	"gopkg.in/yaml.v3"
)

// contractBlock returns the ```yaml block of docs/contract.md's section
// "Configuration (gateway.yaml)" and the line it starts on.
func contractBlock(t *testing.T) (string, int) {
	t.Helper()
	data, err := os.ReadFile("../docs/contract.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "\n## Configuration (gateway.yaml)\n")
	if start < 0 {
		t.Fatal(`docs/contract.md has no "## Configuration (gateway.yaml)" section`)
	}
	open := strings.Index(text[start:], "```yaml\n")
	if open < 0 {
		t.Fatal("the configuration section of docs/contract.md has no yaml block")
	}
	open += start + len("```yaml\n")
	end := strings.Index(text[open:], "```")
	if end < 0 {
		t.Fatal("the yaml block of docs/contract.md does not end")
	}
	return text[open : open+end], strings.Count(text[:open], "\n") + 1
}

// TestContractWritesTheDefaults reads docs/contract.md's configuration
// block as a gateway.yaml: every section but routes (whose entry is an
// example) must come out as Default, so a default changed in
// config/defaults.go and not in the contract, or the other way round,
// fails here naming the key.
func TestContractWritesTheDefaults(t *testing.T) {
	block, _ := contractBlock(t)
	got, err := config.Parse("gateway.yaml", []byte(block), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("docs/contract.md's configuration block does not parse: %v", err)
	}
	want := config.Default()
	gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := 0; i < gv.NumField(); i++ {
		f := gv.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" || name == "routes" {
			continue
		}
		diff(t, name, gv.Field(i), wv.Field(i))
	}
}

// diff reports every leaf under key where the contract's value differs
// from the default.
func diff(t *testing.T, key string, got, want reflect.Value) {
	t.Helper()
	if got.Kind() == reflect.Struct {
		for i := 0; i < got.NumField(); i++ {
			f := got.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if f.IsExported() && name != "" && name != "-" {
				diff(t, key+"."+name, got.Field(i), want.Field(i))
			}
		}
		return
	}
	g, w := got.Interface(), want.Interface()
	if got.Kind() == reflect.Slice && got.Len() == 0 && want.Len() == 0 {
		return // [] in the contract, nil by default
	}
	if got.Kind() == reflect.Map && got.Len() == 0 && want.Len() == 0 {
		return
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("docs/contract.md writes %s: %v, the default is %v (config/defaults.go)", key, g, w)
	}
}

// TestContractWritesEveryKey: each key of the configuration (a yaml tag
// of config.Config, routes' included) is written in docs/contract.md's
// configuration block (a secret's <key>_file goes with its key, which
// the block's comment names); a key missing there has no documented
// default.
func TestContractWritesEveryKey(t *testing.T) {
	block, line := contractBlock(t)
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(block), &doc); err != nil {
		t.Fatalf("docs/contract.md:%d: the configuration block is not YAML: %v", line, err)
	}
	written := map[string]bool{}
	flatten("", doc, written)
	var missing []string
	walkKeys("", reflect.TypeOf(config.Config{}), func(key string) {
		secretFile := strings.HasSuffix(key, "_file") && written[strings.TrimSuffix(key, "_file")]
		if !written[key] && !secretFile && !deprecated[key] {
			missing = append(missing, key)
		}
	})
	sort.Strings(missing)
	for _, key := range missing {
		t.Errorf("docs/contract.md:%d: the configuration block does not write %s (its default: see config/defaults.go)", line, key)
	}
}

// deprecated keys are still read and documented apart, as ignored.
var deprecated = map[string]bool{"server.fast_authz": true}

// flatten records each key path of v (maps nested; a list's first entry
// stands for its entries).
func flatten(prefix string, v any, out map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			out[key] = true
			flatten(key, x, out)
		}
	case []any:
		for _, x := range v {
			if _, ok := x.(map[string]any); ok {
				flatten(prefix, x, out)
			}
		}
	}
}

// walkKeys calls leaf with each key path of t's yaml tags (a slice of
// structs, routes, contributes its entries' keys).
func walkKeys(prefix string, t reflect.Type, leaf func(string)) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t.PkgPath() != reflect.TypeOf(config.Config{}).PkgPath() {
		leaf(prefix)
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		walkKeys(key, f.Type, leaf)
	}
}
