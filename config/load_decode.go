package config

// The decoder that walks the YAML tree alongside the Config struct,
// guided by the fields' yaml tags: unknown keys and wrong values are
// reported at their lines, keys left out keep their defaults, and merge
// keys and aliases are followed within bounds.

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

var durationType = reflect.TypeFor[time.Duration]()

// decoder walks the YAML tree alongside the Config struct, guided by the
// yaml tags, so that every unknown key and every wrong value is reported
// with its line, and keys left out keep their defaults.
type decoder struct {
	ps    *problems
	env   func(string) (string, bool)
	lines map[string]int
	// fromEnv records the paths whose value names a ${VAR}.
	fromEnv map[string]bool
	budget  int
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
	n = unalias(n)
	if n.Kind == yaml.AliasNode {
		d.ps.at(n.Line, path, "alias cannot be resolved")
		return
	}
	isNull := n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"

	switch {
	case v.Type() == durationType:
		if s, ok := d.scalar(n, path); ok {
			d.duration(s, n.Value, v, path)
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
			// The text as written: a ${VAR} is named, never its value
			// (a secret's variable on the wrong key).
			d.ps.at(n.Line, path, "%q is not %s", n.Value, describeType(v.Type()))
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
		if !d.plainKey(k, path, seen) {
			continue
		}
		p := joinPath(path, k.Value)
		d.lines[p] = k.Line
		e := reflect.New(v.Type().Elem()).Elem()
		d.value(val, e, p, depth)
		m.SetMapIndex(reflect.ValueOf(k.Value), e)
	}
	v.Set(m)
}

// plainKey reports whether k names a value of the mapping at path: a
// plain name (a merge key is not one: a struct's mapping applies its
// merge keys before) not set before in it; seen holds the names set,
// with their lines. A key that is not is reported.
func (d *decoder) plainKey(k *yaml.Node, path string, seen map[string]int) bool {
	if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
		d.ps.at(k.Line, path, "keys must be plain names, not %s", describe(k))
		return false
	}
	if first, dup := seen[k.Value]; dup {
		d.ps.at(k.Line, path, "key %q is already set on line %d", k.Value, first)
		return false
	}
	seen[k.Value] = k.Line
	return true
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
		if !d.plainKey(k, path, seen) {
			continue
		}
		idx, ok := fields[k.Value]
		if !ok {
			hint := suggest(k.Value, fields)
			if hint == "" {
				hint = misplaced(k.Value, path)
			}
			d.ps.at(k.Line, path, "unknown key %q%s", k.Value, hint)
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
	n = unalias(n)
	switch n.Kind {
	case yaml.MappingNode:
		d.mapping(n, v, path, depth)
	case yaml.SequenceNode:
		for i := len(n.Content) - 1; i >= 0; i-- {
			m := unalias(n.Content[i])
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

// unalias follows n through its aliases, at most maxDepth of them; a
// longer chain, or an alias with no target, is returned still an alias.
func unalias(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxDepth; i++ {
		n = n.Alias
	}
	return n
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
	if strings.Contains(n.Value, "${") {
		d.fromEnv[path] = true
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

// duration decodes a Go duration ("30s", "15m", "0") from n, ${VAR}s
// expanded; a problem quotes written, the text as in the file, which
// names a variable and never shows its value (docs/contract.md,
// "Configuration").
func (d *decoder) duration(n *yaml.Node, written string, v reflect.Value, path string) {
	if n.ShortTag() == "!!null" {
		v.SetInt(0)
		return
	}
	dur, err := time.ParseDuration(n.Value)
	if err != nil {
		if _, intErr := strconv.ParseInt(n.Value, 10, 64); intErr == nil {
			example := n.Value
			if written != n.Value {
				example = "30" // not the variable's value
			}
			d.ps.at(n.Line, path, "%q has no unit (write e.g. %ss or %sm)", written, example, example)
			return
		}
		d.ps.at(n.Line, path, "%q is not a duration (use Go syntax such as 30s, 15m or 12h)", written)
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
