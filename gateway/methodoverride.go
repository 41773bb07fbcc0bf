package gateway

// Method overrides: the headers and query parameters apps read as the
// request's real method, each one more reading of the method to decide
// on (docs/contract.md, "Routes: path_prefix and methods").

import (
	"net/http"
	"net/url"
	"strings"
)

// methodOverrideNames are the headers frameworks read as the request's
// real method (Rails and Rack, Laravel and Symfony, Express's
// method-override, ASP.NET), matched in any case and with any separator
// for '-' (headername.Fold).
var methodOverrideNames = newHeaderNames("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")

// methodOverrides returns the methods h's override headers and the
// _method parameters of query (the request's raw query) name (nil for
// none, which is every ordinary request: nothing is allocated).
func methodOverrides(h http.Header, query string) []string {
	var out []string
	for name, vs := range h {
		if methodOverrideNames.has(name) {
			out = append(out, vs...)
		}
	}
	// Express's method-override given a name, Symfony and Laravel, and
	// Jersey read a POST's method from the query's _method parameter.
	for query != "" {
		var pair string
		pair, query = cutPair(query)
		name, value, _ := strings.Cut(pair, "=")
		if !isMethodParam(name) {
			continue
		}
		if v, err := url.QueryUnescape(value); err == nil {
			value = v
		}
		out = append(out, value)
	}
	return out
}

// cutPair returns the first name=value pair of query and the rest: pairs
// are split at '&' and at ';' (which some readers split at too).
func cutPair(query string) (pair, rest string) {
	if i := strings.IndexAny(query, "&;"); i >= 0 {
		return query[:i], query[i+1:]
	}
	return query, ""
}

// isMethodParam reports whether some app reads name, a query parameter's
// name as sent, as _method: percent-decoded ('+' a space), in any case,
// and as PHP names variables (leading spaces dropped, '.' read as '_', a
// "[…]" suffix making an array of it).
func isMethodParam(name string) bool {
	if strings.ContainsAny(name, "%+") {
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
	}
	name = strings.TrimLeft(name, " ")
	name, _, _ = strings.Cut(name, "[")
	return len(name) == len("_method") && (name[0] == '_' || name[0] == '.') && strings.EqualFold(name[1:], "method")
}
