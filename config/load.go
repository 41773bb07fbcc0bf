package config

// Load and Parse: from the bytes of gateway.yaml to a Config, every
// problem located at its line (docs/contract.md, "Configuration
// (gateway.yaml)"). The YAML tree is decoded in load_decode.go, ${VAR}
// references are expanded in load_env.go, and the files the
// configuration names are resolved and read in load_files.go.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Limits that keep a hostile or broken file from making Parse slow.
const (
	// maxNodes bounds the YAML nodes visited, counting every use of an
	// alias, so a few anchors cannot expand into millions of values.
	maxNodes = 100_000
	// maxDepth bounds nesting through merge keys ("<<").
	maxDepth = 32
	// maxSecretSize bounds a secret file.
	maxSecretSize = 64 << 10
)

// Load reads the configuration file at path with Parse, taking ${VAR}
// values from the process environment. The problems in the returned error
// are located with path as given. Call Validate on the result before use.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path) //nolint:gosec // G304: path is the configuration file the operator named (-c, $GATEHOUSE_CONFIG)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := Parse(path, data, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	cfg.noteInlineSecrets(os.Stat)
	return cfg, nil
}

// LoadAll is Load for `gatehouse check-config`, which reports every
// problem at once (docs/contract.md, "Command line"): when the file is
// YAML but some of its keys or values are not what the configuration
// takes, it returns their problems together with the configuration as
// far as it was read, those keys left at their defaults, so that Check
// and the files it names can still be checked. The configuration is nil
// only when the file could not be read or is not YAML. Never serve what
// it returns with an error.
func LoadAll(path string) (*Config, error) {
	data, err := os.ReadFile(path) //nolint:gosec // G304: path is the configuration file the operator named (-c, $GATEHOUSE_CONFIG)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := parseAll(path, data, os.LookupEnv, readSecretFile)
	if cfg != nil {
		cfg.noteExposedFiles(os.Stat, readSecretFile)
		cfg.noteInlineSecrets(os.Stat)
	}
	return cfg, err
}

// Parse builds a configuration from the YAML document data, whose file name
// (used in messages and kept in Config.File) is name:
//
//   - every ${VAR} in a scalar value is replaced by lookupEnv(VAR) ("$$" is
//     a literal "$"); an unset variable is a problem;
//   - every key must be one of the documented keys;
//   - keys the file leaves out keep their Default value, and so does a
//     section left empty; a route without path_prefix gets "/";
//   - a relative path to a file (users, keys, TLS, portal files, the
//     console SMS file, secrets) is relative to the configuration file's
//     folder, as nginx and Caddy read theirs (docs/contract.md);
//   - secrets given as <key>_file are read from that file, trimmed of
//     surrounding white space, and stored in the plain field; setting both
//     is a problem;
//   - the signing key, a previous signing key holding the private key,
//     the TLS key and each secret file whose mode lets others read or
//     write it is noted, for Check to warn of.
//
// An empty document gives the defaults. Every problem found is returned at
// once, as *Problem values joined with errors.Join; then the configuration
// is nil. Parse does not validate values: call Validate for that.
func Parse(name string, data []byte, lookupEnv func(string) (string, bool)) (*Config, error) {
	cfg, err := parse(name, data, lookupEnv, readSecretFile)
	if err != nil {
		return nil, err
	}
	cfg.noteExposedFiles(os.Stat, readSecretFile)
	return cfg, nil
}

// parse is Parse with the secret-file reader injected, for tests.
func parse(name string, data []byte, lookupEnv func(string) (string, bool), readFile func(string) (string, error)) (*Config, error) {
	cfg, err := parseAll(name, data, lookupEnv, readFile)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// parseAll is parse that also returns, with its problems, the
// configuration as far as it was read (see LoadAll); nil when data is
// not YAML.
func parseAll(name string, data []byte, lookupEnv func(string) (string, bool), readFile func(string) (string, error)) (*Config, error) {
	cfg := Default()
	cfg.File = name
	cfg.lines = map[string]int{}
	cfg.fromEnv = map[string]bool{}
	ps := newProblems(name)

	root, ok := parseYAML(data, ps)
	if !ok {
		return nil, ps.err()
	}
	if root != nil {
		d := &decoder{ps: ps, env: lookupEnv, lines: cfg.lines, fromEnv: cfg.fromEnv, budget: maxNodes}
		d.value(root, reflect.ValueOf(cfg).Elem(), "", 0)
	}
	for i := range cfg.Routes {
		if cfg.Routes[i].PathPrefix == "" {
			cfg.Routes[i].PathPrefix = DefaultPathPrefix
		}
		if cfg.Routes[i].Cache == "" {
			cfg.Routes[i].Cache = RouteCacheNoStore
		}
	}
	cfg.resolvePaths()
	cfg.readSecrets(ps, readFile)
	return cfg, ps.err()
}

// yamlErrorLine picks the line out of a yaml.v3 syntax error, whose only
// form is text ("yaml: line 3: did not find expected key"). It is used to
// format the message, never to decide anything.
var yamlErrorLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML returns the top-level mapping of data, nil for an empty
// document, or false after recording a problem.
func parseYAML(data []byte, ps *problems) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, true
		}
		syntaxProblem(ps, err, data)
		return nil, false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			syntaxProblem(ps, err, data)
		} else {
			ps.at(extra.Line, "", "only one YAML document is allowed (remove this \"---\" and what follows)")
		}
		return nil, false
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, true
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, true
	}
	if root.Kind != yaml.MappingNode {
		ps.at(root.Line, "", "the top level must be a mapping of sections (server:, store:, session:, ..., routes:)")
		return nil, false
	}
	return root, true
}

// maxIndentScan bounds the lines slippedLine reads past yaml.v3's line.
const maxIndentScan = 2000

// syntaxProblem records a yaml.v3 syntax error at its line. An
// indentation slip ("did not find expected key", "... '-' indicator")
// is located on the line that slipped, which yaml.v3 does not say (it
// names the block the line broke, often the routes: line): see
// slippedLine.
func syntaxProblem(ps *problems, err error, data []byte) {
	if m := yamlErrorLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		if m[2] == "did not find expected key" || m[2] == "did not find expected '-' indicator" {
			if at := slippedLine(data, line, err.Error()); at > 0 {
				line, m[2] = at, "this line is not indented as the lines around it are ("+m[2]+"); indent it with spaces like the keys it belongs with"
			}
		}
		hint := ""
		if lines := bytes.Split(data, []byte("\n")); line >= 1 && line <= len(lines) {
			text := lines[line-1]
			indent := text[:len(text)-len(bytes.TrimLeft(text, " \t"))]
			if bytes.IndexByte(indent, '\t') >= 0 {
				hint = " (indent with spaces: YAML does not allow tabs)"
			}
		}
		ps.at(line, "", "invalid YAML: %s%s", m[2], hint)
		return
	}
	ps.at(0, "", "invalid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
}

// slippedLine returns the line of data that makes yaml.v3 fail with
// message, whose line, from, is that of the block the line broke: the
// first line from there on whose addition to the lines above it gives
// that very error. 0 when none does within maxIndentScan lines.
func slippedLine(data []byte, from int, message string) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	end := 0
	for i, l := range lines {
		if i >= from+maxIndentScan {
			break
		}
		end += len(l)
		if i+1 < from {
			continue
		}
		var n yaml.Node
		if err := yaml.Unmarshal(data[:end], &n); err != nil && err.Error() == message {
			return i + 1
		}
	}
	return 0
}
