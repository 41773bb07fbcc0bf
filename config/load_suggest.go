package config

// The "did you mean" of an unknown key: the known key nearest in
// spelling, if one is near enough.

import (
	"fmt"
	"strings"
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
