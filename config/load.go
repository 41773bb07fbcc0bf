package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

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

var durationType = reflect.TypeFor[time.Duration]()

// Load reads the configuration file at path with Parse, taking ${VAR}
// values from the process environment. The problems in the returned error
// are located with path as given. Call Validate on the result before use.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path) //nolint:gosec // G304: path is the configuration file the operator named (-c, $GATEHOUSE_CONFIG)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data, os.LookupEnv)
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
//     is a problem.
//
// An empty document gives the defaults. Every problem found is returned at
// once, as *Problem values joined with errors.Join; then the configuration
// is nil. Parse does not validate values: call Validate for that.
func Parse(name string, data []byte, lookupEnv func(string) (string, bool)) (*Config, error) {
	return parse(name, data, lookupEnv, readSecretFile)
}

// parse is Parse with the secret-file reader injected, for tests.
func parse(name string, data []byte, lookupEnv func(string) (string, bool), readFile func(string) (string, error)) (*Config, error) {
	cfg := Default()
	cfg.File = name
	cfg.lines = map[string]int{}
	ps := newProblems(name)

	root, ok := parseYAML(data, ps)
	if !ok {
		return nil, ps.err()
	}
	if root != nil {
		d := &decoder{ps: ps, env: lookupEnv, lines: cfg.lines, budget: maxNodes}
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
	if err := ps.err(); err != nil {
		return nil, err
	}
	return cfg, nil
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

func syntaxProblem(ps *problems, err error, data []byte) {
	if m := yamlErrorLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
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

// decoder walks the YAML tree alongside the Config struct, guided by the
// yaml tags, so that every unknown key and every wrong value is reported
// with its line, and keys left out keep their defaults.
type decoder struct {
	ps     *problems
	env    func(string) (string, bool)
	lines  map[string]int
	budget int
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// value decodes n into v, whose key path is path.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string, depth int) {
	if d.budget <= 0 {
		return
	}
	d.budget--
	if d.budget == 0 {
		d.ps.at(n.Line, path, "the document is too large (more than %d values, counting every use of an alias)", maxNodes)
		return
	}
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxDepth; i++ {
		n = n.Alias
	}
	if n.Kind == yaml.AliasNode {
		d.ps.at(n.Line, path, "alias cannot be resolved")
		return
	}
	isNull := n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"

	switch {
	case v.Type() == durationType:
		if s, ok := d.scalar(n, path); ok {
			d.duration(s, v, path)
		}
	case v.Kind() == reflect.Struct:
		switch {
		case isNull:
			// An empty section ("session:" with everything commented out)
			// keeps its defaults.
		case n.Kind != yaml.MappingNode:
			d.ps.at(n.Line, path, "must be a mapping of keys, not %s", describe(n))
		default:
			d.mapping(n, v, path, depth)
		}
	case v.Kind() == reflect.Map:
		d.stringMap(n, v, path, isNull, depth)
	case v.Kind() == reflect.Slice:
		switch {
		case isNull:
			v.Set(reflect.Zero(v.Type()))
		case n.Kind != yaml.SequenceNode:
			d.ps.at(n.Line, path, "must be a list, not %s", describe(n))
		default:
			s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
			for i, item := range n.Content {
				p := joinPath(path, strconv.Itoa(i))
				d.lines[p] = item.Line
				d.value(item, s.Index(i), p, depth)
			}
			v.Set(s)
		}
	case v.Kind() == reflect.String:
		if s, ok := d.scalar(n, path); ok {
			if isNull {
				v.SetString("")
			} else {
				v.SetString(s.Value)
			}
		}
	default: // bool, integers and numbers
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		want := "!!int"
		switch {
		case v.Kind() == reflect.Bool:
			want = "!!bool"
		case v.Kind() == reflect.Float64 && s.ShortTag() == "!!int":
			want = "!!int" // "0" is a price too
		case v.Kind() == reflect.Float64:
			want = "!!float"
		}
		if s.ShortTag() != want || s.Decode(v.Addr().Interface()) != nil {
			d.ps.at(n.Line, path, "%q is not %s", s.Value, describeType(v.Type()))
		}
	}
}

// stringMap decodes mapping n into the map v (string keys, keys kept as
// written; admin.sms_prices).
func (d *decoder) stringMap(n *yaml.Node, v reflect.Value, path string, isNull bool, depth int) {
	switch {
	case isNull:
		v.Set(reflect.Zero(v.Type()))
		return
	case n.Kind != yaml.MappingNode:
		d.ps.at(n.Line, path, "must be a mapping of keys, not %s", describe(n))
		return
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
			d.ps.at(k.Line, path, "keys must be plain names, not %s", describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.ps.at(k.Line, path, "key %q is already set on line %d", k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		p := joinPath(path, k.Value)
		d.lines[p] = k.Line
		e := reflect.New(v.Type().Elem()).Elem()
		d.value(val, e, p, depth)
		m.SetMapIndex(reflect.ValueOf(k.Value), e)
	}
	v.Set(m)
}

// mapping decodes the keys of mapping n onto the fields of struct v.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string, depth int) {
	if depth >= maxDepth {
		d.ps.at(n.Line, path, "merge keys (<<) are nested too deeply")
		return
	}
	fields := fieldsOf(v.Type())
	// Merged mappings first, so the mapping's own keys override them.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			d.merge(n.Content[i+1], v, path, depth+1)
		}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.ps.at(k.Line, path, "keys must be plain names, not %s", describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.ps.at(k.Line, path, "key %q is already set on line %d", k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		idx, ok := fields[k.Value]
		if !ok {
			d.ps.at(k.Line, path, "unknown key %q%s", k.Value, suggest(k.Value, fields))
			continue
		}
		p := joinPath(path, k.Value)
		d.lines[p] = k.Line
		d.value(val, v.Field(idx), p, depth)
	}
}

// merge applies the value of a "<<" key: a mapping, or a list of mappings
// of which the earlier ones win.
func (d *decoder) merge(n *yaml.Node, v reflect.Value, path string, depth int) {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxDepth; i++ {
		n = n.Alias
	}
	switch n.Kind {
	case yaml.MappingNode:
		d.mapping(n, v, path, depth)
	case yaml.SequenceNode:
		for i := len(n.Content) - 1; i >= 0; i-- {
			m := n.Content[i]
			for j := 0; m.Kind == yaml.AliasNode && m.Alias != nil && j < maxDepth; j++ {
				m = m.Alias
			}
			if m.Kind != yaml.MappingNode {
				d.ps.at(m.Line, path, "a merge key (<<) takes mappings, not %s", describe(m))
				continue
			}
			d.mapping(m, v, path, depth)
		}
	default:
		d.ps.at(n.Line, path, "a merge key (<<) takes a mapping, not %s", describe(n))
	}
}

// scalar checks that n is a single value and returns it with ${VAR}
// references expanded.
func (d *decoder) scalar(n *yaml.Node, path string) (*yaml.Node, bool) {
	if n.Kind != yaml.ScalarNode {
		d.ps.at(n.Line, path, "must be a single value, not %s", describe(n))
		return nil, false
	}
	if !strings.Contains(n.Value, "$") {
		return n, true
	}
	expanded, err := expandEnv(n.Value, d.env)
	if err != nil {
		d.ps.at(n.Line, path, "%v", err)
		return nil, false
	}
	c := *n
	c.Value = expanded
	if c.Style == 0 {
		// A plain scalar is typed by its text: type it again now that the
		// text is known, so that "db: ${REDIS_DB}" is an integer.
		c.Tag = ""
	}
	return &c, true
}

// duration decodes a Go duration ("30s", "15m", "0").
func (d *decoder) duration(n *yaml.Node, v reflect.Value, path string) {
	if n.ShortTag() == "!!null" {
		v.SetInt(0)
		return
	}
	dur, err := time.ParseDuration(n.Value)
	if err != nil {
		if _, intErr := strconv.ParseInt(n.Value, 10, 64); intErr == nil {
			d.ps.at(n.Line, path, "%q has no unit (write e.g. %ss or %sm)", n.Value, n.Value, n.Value)
			return
		}
		d.ps.at(n.Line, path, "%q is not a duration (use Go syntax such as 30s, 15m or 12h)", n.Value)
		return
	}
	v.SetInt(int64(dur))
}

// fieldsOf maps the yaml names of t's fields to their indexes.
func fieldsOf(t reflect.Type) map[string]int {
	fields := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		fields[name] = i
	}
	return fields
}

// describe names the kind of a YAML node for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a single value"
}

// describeType names what a non-string scalar field accepts.
func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean (true or false)"
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uint:
		return fmt.Sprintf("a whole number from 0 to %d", uint64(1)<<t.Bits()-1)
	case reflect.Float64:
		return "a number (like 0.0079)"
	}
	return "a whole number"
}

// suggest returns ` (did you mean "x"?)` when name looks like a typo of a
// known key, else "".
func suggest(name string, fields map[string]int) string {
	norm := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(strings.ToLower(s), "_", ""), "-", "")
	}
	best, bestDist := "", 3
	for known := range fields {
		dist := editDistance(name, known)
		if norm(name) == norm(known) {
			dist = 0
		}
		if dist < bestDist || (dist == bestDist && known < best) {
			best, bestDist = known, dist
		}
	}
	if best == "" || bestDist > max(len(name)/3, 1) {
		// "cert" for "cert_file", "password_file_path" for "password_file".
		best = ""
		for known := range fields {
			if strings.HasPrefix(known, name+"_") || strings.HasPrefix(name, known+"_") {
				if best != "" {
					return ""
				}
				best = known
			}
		}
		if best == "" {
			return ""
		}
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours each cost 1.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// expandEnv replaces ${NAME} with the value of the environment variable
// NAME and "$$" with "$"; any other "$" is kept. Its errors never quote s,
// which may be a secret.
func expandEnv(s string, lookupEnv func(string) (string, bool)) (string, error) {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 || i == len(s)-1 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			s = s[i+2:]
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", errors.New(`"${" without a closing "}" (write "$$" for a literal "$")`)
			}
			name := s[i+2 : i+2+end]
			if !isEnvName(name) {
				return "", errors.New(`"${...}" must hold a variable name of letters, digits and "_" (write "$$" for a literal "$")`)
			}
			val, ok := lookupEnv(name)
			if !ok {
				return "", fmt.Errorf("environment variable %q is not set", name)
			}
			b.WriteString(val)
			s = s[i+3+end:]
		default:
			b.WriteByte('$')
			s = s[i+1:]
		}
	}
}

func isEnvName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, c := range []byte(s) {
		if c != '_' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// secret is a value that may instead be read from <key>_file.
type secret struct {
	key   string
	value *string
	file  *string
}

func (c *Config) secrets() []secret {
	return []secret{
		{"store.redis.password", &c.Store.Redis.Password, &c.Store.Redis.PasswordFile},
		{"sms.twilio.auth_token", &c.SMS.Twilio.AuthToken, &c.SMS.Twilio.AuthTokenFile},
		{"sms.twilio.api_key_secret", &c.SMS.Twilio.APIKeySecret, &c.SMS.Twilio.APIKeySecretFile},
		{"sms.sinch.key_secret", &c.SMS.Sinch.KeySecret, &c.SMS.Sinch.KeySecretFile},
		{"sms.webhook.secret", &c.SMS.Webhook.Secret, &c.SMS.Webhook.SecretFile},
		{"totp.secret_key", &c.TOTP.SecretKey, &c.TOTP.SecretKeyFile},
	}
}

// readSecrets fills each secret given as <key>_file from its file.
func (c *Config) readSecrets(ps *problems, readFile func(string) (string, error)) {
	for _, s := range c.secrets() {
		if *s.file == "" {
			continue
		}
		fileKey := s.key + "_file"
		name := s.key[strings.LastIndexByte(s.key, '.')+1:]
		if *s.value != "" {
			ps.at(c.lineOf(fileKey), fileKey, "set either %s or %s_file, not both", name, name)
			continue
		}
		content, err := readFile(*s.file)
		if err != nil {
			ps.at(c.lineOf(fileKey), fileKey, "cannot read the secret: %v", err)
			continue
		}
		content = strings.TrimSpace(content)
		if content == "" {
			ps.at(c.lineOf(fileKey), fileKey, "the file %q is empty", *s.file)
			continue
		}
		*s.value = content
	}
}

// resolvePaths makes every relative file path of c relative to the
// folder of c.File (the working directory when c.File has none).
func (c *Config) resolvePaths() {
	dir := filepath.Dir(c.File)
	if dir == "." || dir == "" {
		return
	}
	paths := []*string{&c.Users.File, &c.Identity.SigningKeyFile, &c.Server.TLS.CertFile, &c.Server.TLS.KeyFile,
		&c.Portal.LogoFile, &c.Portal.MessagesFile, &c.SMS.Console.File}
	for i := range c.Identity.PreviousKeyFiles {
		paths = append(paths, &c.Identity.PreviousKeyFiles[i])
	}
	for _, s := range c.secrets() {
		paths = append(paths, s.file)
	}
	for _, p := range paths {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}

// readSecretFile reads a secret of at most maxSecretSize bytes.
func readSecretFile(path string) (string, error) {
	f, err := os.Open(path) //nolint:gosec // G304: path is a *_file key of the operator's configuration
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose on close
	data, err := io.ReadAll(io.LimitReader(f, maxSecretSize+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxSecretSize {
		return "", fmt.Errorf("%s is larger than %d KiB", path, maxSecretSize>>10)
	}
	return string(data), nil
}
