package config

import "fmt"

// routesAgreeOnCase refuses routes of one upstream that disagree on
// case_insensitive_paths: the upstream reads paths one way, and a route
// that matched case-sensitively in front of a case-insensitive app would
// let /ADMIN past the route for /admin (docs/contract.md, "Routes:
// path_prefix and methods").
func (v *validator) routesAgreeOnCase() {
	first := map[string]int{}
	for i, r := range v.c.Routes {
		if r.Upstream == "" {
			continue
		}
		j, seen := first[r.Upstream]
		if !seen {
			first[r.Upstream] = i
			continue
		}
		if v.c.Routes[j].CaseInsensitivePaths != r.CaseInsensitivePaths {
			v.add(fmt.Sprintf("routes.%d.case_insensitive_paths", i),
				"is %t, but routes.%d, which has the same upstream %q, says %t: one app reads paths one way; set it alike on every route of that upstream",
				r.CaseInsensitivePaths, j, r.Upstream, v.c.Routes[j].CaseInsensitivePaths)
		}
	}
}
