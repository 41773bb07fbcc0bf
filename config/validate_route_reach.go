package config

// Routes no request can reach: a path_prefix no request path is decided
// on (a glob, a percent-encoded or dot segment, ...), and a route whose
// every request another route of its host takes (docs/contract.md,
// "Routes: path_prefix and methods", "Request paths"). Such a route is
// a mistake that fails open when it was meant to be the stricter one (a
// deny route for "/admin/*" left /admin/users to the host's password
// route): refused, or a warning for a bypass route, which only ever lets
// less through.

import (
	"fmt"
	"strings"
)

// routesReach reports the routes, and the bypass_paths, no request can
// reach.
func (v *validator) routesReach() {
	for i, r := range v.c.Routes {
		p := fmt.Sprintf("routes.%d", i)
		if why := unreachablePath(r.PathPrefix); why != "" {
			v.unreached(r, p+".path_prefix", "%q matches no request: %s", r.PathPrefix, why)
		} else if j, ok := v.shadowOf(i); ok {
			s := v.c.Routes[j]
			v.unreached(r, p+".path_prefix", "routes.%d takes every request this route would: its path_prefix %q also covers %q, and the longer prefix wins; merge the two routes or remove one",
				j, s.PathPrefix, r.PathPrefix)
		}
		for j, b := range r.BypassPaths {
			if why := unreachablePath(b); why != "" {
				v.warn(fmt.Sprintf("%s.bypass_paths.%d", p, j), "%q matches no request, so it bypasses nothing: %s", b, why)
			}
		}
	}
}

// unreached reports route r as reached by no request: a problem, or a
// warning for a bypass route (the requests go to a route that asks more).
func (v *validator) unreached(r Route, key, format string, args ...any) {
	if r.Policy == "bypass" {
		v.warn(key, format, args...)
		return
	}
	v.add(key, format, args...)
}

// unreachablePath says why no request is decided on a path under p (a
// path_prefix or a bypass_paths entry), or "" when one may be. Requests
// are matched on their path decoded once, and refused (bad_path) when
// it has an empty, "." or ".." segment, a segment that starts or ends
// with a space, a backslash or control character, or when its readings
// disagree, as they do under ";parameters", a segment ending in a dot
// and an ASP.NET cookieless segment (docs/contract.md, "Request paths"). A p that does not start with "/", or holds "?" or "#", is
// reported by routes().
func unreachablePath(p string) string {
	switch {
	case !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "?#") || p == "/":
		return ""
	case strings.Contains(p, "*"):
		hint := ""
		if base, ok := strings.CutSuffix(p, "/*"); ok && !strings.Contains(base, "*") {
			hint = fmt.Sprintf("; write %q for everything under %s", base+"/", base)
		}
		return `"*" is no wildcard: paths match whole segments as written, so it covers only a segment named "*"` + hint
	case strings.Contains(p, "%"):
		return "paths are matched decoded: write the characters themselves, not %-escapes"
	case strings.Contains(p, ";"):
		return "a path with ;parameters reads differently without them, as servlet containers read it, and is refused (bad_path)"
	case strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }):
		return "it holds a backslash or a control character, which requests are refused for (bad_path)"
	}
	for seg := range strings.SplitSeq(strings.TrimSuffix(p[1:], "/"), "/") {
		switch {
		case seg == "":
			return `it holds an empty segment ("//"), which requests are refused for (bad_path)`
		case seg == "." || seg == "..":
			return `it holds a "." or ".." segment, which requests are refused for (bad_path)`
		case strings.TrimSpace(seg) != seg:
			return "it has a segment that starts or ends with a space, which requests are refused for (bad_path)"
		case strings.HasSuffix(seg, ".") && strings.Trim(seg, ".") != "":
			return "it has a segment ending in a dot, which an app on Windows reads without it: such a path's readings disagree, and requests are refused (bad_path)"
		case len(seg) >= 5 && seg[0] == '(' && 'A' <= seg[1] && seg[1] <= 'Z' && seg[2] == '(' && strings.HasSuffix(seg, "))"):
			return "it has an ASP.NET cookieless-session segment, which ASP.NET reads the path without: its readings disagree, and requests are refused (bad_path)"
		}
	}
	return ""
}

// shadowOf returns the route of the same host that takes every request
// route i would: route i's path_prefix is "/x" and the other's "/x/",
// which covers "/x" too (unless it bypasses) and is the longer, for at
// least every method route i takes.
func (v *validator) shadowOf(i int) (int, bool) {
	r := v.c.Routes[i]
	if r.PathPrefix == "/" || strings.HasSuffix(r.PathPrefix, "/") {
		return 0, false
	}
	for j, s := range v.c.Routes {
		if j == i || s.Policy == "bypass" || routeHostKey(s.Host) != routeHostKey(r.Host) ||
			routePrefixKey(s) != routePrefixKey(r)+"/" || !methodsCover(s.Methods, r.Methods) {
			continue
		}
		return j, true
	}
	return 0, false
}

// methodsCover reports whether a route with methods outer takes every
// method one with methods inner does (empty: every method; GET takes
// HEAD too).
func methodsCover(outer, inner []string) bool {
	if len(outer) == 0 {
		return true
	}
	if len(inner) == 0 {
		return false
	}
	takes := map[string]bool{}
	for _, m := range outer {
		takes[strings.ToUpper(m)] = true
	}
	for _, m := range inner {
		m = strings.ToUpper(m)
		if !takes[m] && (m != "HEAD" || !takes["GET"]) {
			return false
		}
	}
	return true
}

// routeHostKey is a route's host as routes match it: in lower case,
// without a trailing dot.
func routeHostKey(host string) string {
	return strings.ToLower(strings.TrimSuffix(host, "."))
}

// routePrefixKey is a route's path_prefix as routes match it: in lower
// case when the route's paths are matched in any case.
func routePrefixKey(r Route) string {
	if r.CaseInsensitivePaths {
		return strings.ToLower(r.PathPrefix)
	}
	return r.PathPrefix
}
