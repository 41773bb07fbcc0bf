package config

import (
	"fmt"
	"strings"
)

// routesAgreeOnCase refuses routes of one host, or of one upstream, that
// disagree on case_insensitive_paths. An upstream reads paths one way, and
// the routes of one host are matched against each other: a route that
// matched case-sensitively beside a case-insensitive app (a deny route
// for /admin in front of it, say) would let /ADMIN past it
// (docs/contract.md, "Routes: path_prefix and methods").
func (v *validator) routesAgreeOnCase() {
	type group struct {
		what, name string
	}
	first := map[group]int{}
	for i, r := range v.c.Routes {
		groups := []group{{"host", strings.ToLower(strings.TrimSuffix(r.Host, "."))}}
		if r.Upstream != "" {
			groups = append(groups, group{"upstream", strings.ToLower(strings.TrimSuffix(r.Upstream, "/"))})
		}
		for _, g := range groups {
			j, seen := first[g]
			if !seen {
				first[g] = i
				continue
			}
			if v.c.Routes[j].CaseInsensitivePaths != r.CaseInsensitivePaths {
				v.add(fmt.Sprintf("routes.%d.case_insensitive_paths", i),
					"is %t, but routes.%d, which has the same %s %q, says %t: set it alike on every route of a host and of an upstream",
					r.CaseInsensitivePaths, j, g.what, g.name, v.c.Routes[j].CaseInsensitivePaths)
				break
			}
		}
	}
}
