package config

// The "did you mean" of an unknown key: the known key nearest in
// spelling, if one is near enough.

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

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

// misplaced returns ` (a key of server: is it indented under server:?)`
// when name, unknown in the mapping at path, is a key of one or two
// other sections, as when a line lost or gained indentation; else "".
// A route's keys are "each route", under "routes: - ".
func misplaced(name, path string) string {
	here := strings.Join(slices.DeleteFunc(strings.Split(path, "."), func(s string) bool {
		return s != "" && strings.Trim(s, "0123456789") == ""
	}), ".")
	var in []string
	for _, section := range keySections()[name] {
		if section != here {
			in = append(in, section)
		}
	}
	if len(in) == 0 || len(in) > 2 {
		return ""
	}
	for i, s := range in {
		if s == "routes" {
			in[i] = "each route"
		}
	}
	under := strings.Join(in, ": or ") + ":"
	if in[0] == "each route" && len(in) == 1 {
		under = "routes: - "
	}
	return fmt.Sprintf(" (a key of %s: is it indented under %s?)", strings.Join(in, " and of "), under)
}

// keySections maps each key of the configuration to the sections it is
// a key of ("session", "store.redis"; "routes" for a route's keys; ""
// for the top level).
var keySections = sync.OnceValue(func() map[string][]string {
	out := map[string][]string{}
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		for name, i := range fieldsOf(t) {
			out[name] = append(out[name], path)
			ft := t.Field(i).Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				walk(ft, joinPath(path, name))
			}
		}
	}
	walk(reflect.TypeFor[Config](), "")
	for _, sections := range out {
		slices.Sort(sections)
	}
	return out
})

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
