package config

// Checks of the routes: names, hosts, path prefixes and methods, case,
// policies, upstreams, second factors and timeouts (docs/contract.md,
// "Routes: path_prefix and methods", "Policies").

import (
	"fmt"
	"strings"
	"unicode"
)

func (v *validator) routes() {
	v.routesAgreeOnCase()
	names := map[string]int{}
	// Two routes may share a host and path prefix only when their methods
	// lists are both set and do not overlap (GET to one, POST to another).
	type place struct{ host, prefix, method string }
	places := map[place]int{}
	for i, r := range v.c.Routes {
		p := fmt.Sprintf("routes.%d", i)

		if r.Name == "" {
			v.add(p+".name", "required: a unique name, also the assertion's audience")
		} else if first, dup := names[r.Name]; dup {
			v.add(p+".name", "%q is already the name of routes.%d", r.Name, first)
		} else {
			names[r.Name] = i
		}

		if len(r.DisplayName) > 100 || strings.ContainsFunc(r.DisplayName, unicode.IsControl) {
			v.add(p+".display_name", "at most 100 characters, on one line")
		}

		hostOK := v.routeHost(p+".host", r.Host)
		prefixOK := true
		switch {
		case !strings.HasPrefix(r.PathPrefix, "/"):
			v.add(p+".path_prefix", "%q must start with \"/\"", r.PathPrefix)
			prefixOK = false
		case strings.ContainsAny(r.PathPrefix, "?#"):
			v.add(p+".path_prefix", "%q must be a path, without ? or #", r.PathPrefix)
			prefixOK = false
		}
		if hostOK && prefixOK {
			host, prefix := routeHostKey(r.Host), routePrefixKey(r)
			methods := r.Methods
			if len(methods) == 0 {
				methods = []string{"*"}
			}
			for _, m := range methods {
				m = strings.ToUpper(m)
				first, dup := places[place{host, prefix, m}]
				if !dup && m != "*" {
					first, dup = places[place{host, prefix, "*"}]
				}
				if !dup && m == "*" {
					for at, j := range places {
						if at.host == host && at.prefix == prefix {
							first, dup = j, true
							break
						}
					}
				}
				if dup {
					v.add(p, "routes.%d already has host %q and path_prefix %q for these methods", first, r.Host, r.PathPrefix)
					break
				}
				places[place{host, prefix, m}] = i
			}
		}

		switch policyOK := v.oneOf(p+".policy", r.Policy, routePolicies); {
		case r.Upstream != "", !policyOK:
		case r.Policy != "deny":
			v.add(p+".upstream", "required unless policy is deny, e.g. \"http://127.0.0.1:9001\"")
		case len(r.BypassPaths) > 0:
			// Its bypass_paths are forwarded to the upstream (docs/contract.md,
			// "Routes: path_prefix and methods").
			v.add(p+".upstream", "required with bypass_paths, which are forwarded to it, e.g. \"http://127.0.0.1:9001\"; or drop bypass_paths to deny every path")
		}
		if r.Upstream != "" {
			v.httpURL(p+".upstream", r.Upstream)
		}
		for j, g := range r.Groups {
			if strings.TrimSpace(g) == "" {
				v.add(fmt.Sprintf("%s.groups.%d", p, j), "must not be empty")
			}
		}
		for j, m := range r.Methods {
			key := fmt.Sprintf("%s.methods.%d", p, j)
			switch {
			case !isToken(m):
				v.add(key, "%q is not an HTTP method", m)
			case m != strings.ToUpper(m):
				v.add(key, "%q must be upper-case: %q", m, strings.ToUpper(m))
			}
		}
		for j, b := range r.BypassPaths {
			if !strings.HasPrefix(b, "/") {
				v.add(fmt.Sprintf("%s.bypass_paths.%d", p, j), "%q must start with \"/\"", b)
			}
		}
		if r.Cache != "" {
			v.oneOf(p+".cache", r.Cache, routeCaches)
		}
		if r.CrossOriginPosts != "" {
			v.oneOf(p+".cross_origin_posts", r.CrossOriginPosts, routeOrigins)
		}
		v.routeSecondFactors(p, r)
		if r.MaxAuthAge < 0 {
			v.add(p+".max_auth_age", "must be 0 (no limit) or more, it is %s", r.MaxAuthAge)
		}
		v.routeTimeouts(p+".timeouts", r.Timeouts)
	}
	v.routesReach()
}

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
		groups := []group{{"host", routeHostKey(r.Host)}}
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

// routeSecondFactors checks routes[].second_factors (at p): known
// methods, once each, on a two_factor route, otp only with totp.enabled.
func (v *validator) routeSecondFactors(p string, r Route) {
	if len(r.SecondFactors) > 0 && r.Policy != "two_factor" {
		v.add(p+".second_factors", "only a two_factor route takes second factors (policy is %q)", r.Policy)
		return
	}
	seen := map[string]bool{}
	for j, m := range r.SecondFactors {
		key := fmt.Sprintf("%s.second_factors.%d", p, j)
		switch {
		case !v.oneOf(key, m, secondFactors):
		case seen[m]:
			v.add(key, "%q is listed twice", m)
		case m == "otp" && !v.c.TOTP.Enabled:
			v.add(key, "\"otp\" needs totp.enabled: true")
		case m == "hwk" && !v.c.Passkeys.Enabled:
			v.add(key, "\"hwk\" needs passkeys.enabled: true")
		case m != "hwk" && r.PhishingResistant:
			v.add(key, "%q is not phishing-resistant: a phishing_resistant route takes only \"hwk\"", m)
		}
		seen[m] = true
	}
	switch {
	case r.PhishingResistant && r.Policy != "two_factor":
		v.add(p+".phishing_resistant", "only a two_factor route takes it (policy is %q; the passkey policy is phishing-resistant already)", r.Policy)
	case r.PhishingResistant && !v.c.Passkeys.Enabled:
		v.add(p+".phishing_resistant", "needs passkeys.enabled: true")
	case r.Policy == "passkey" && !v.c.Passkeys.Enabled:
		v.add(p+".policy", "\"passkey\" needs passkeys.enabled: true")
	}
}

// routeTimeouts checks a route's upstream timeouts: 0 is the default,
// and waiting for response headers longer than server.timeouts.write is
// pointless, since the client's response is cut off at that point.
func (v *validator) routeTimeouts(key string, t RouteTimeouts) {
	if t.Dial < 0 {
		v.add(key+".dial", "must be 0 (the default, %s) or more, it is %s", DefaultDialTimeout, t.Dial)
	}
	if t.Response < 0 {
		v.add(key+".response", "must be 0 (the default, %s) or more, it is %s", DefaultResponseTimeout, t.Response)
	} else if w := v.c.Server.Timeouts.Write; t.Response > 0 && w > 0 && t.Response >= w {
		v.add(key+".response", "%s must be shorter than server.timeouts.write (%s), which ends the response first", t.Response, w)
	}
}

// routeHost checks a route host: a host name, "*.domain" or "*".
func (v *validator) routeHost(key, host string) bool {
	name := strings.TrimPrefix(host, "*.")
	switch {
	case host == "":
		v.add(key, "required: a host name such as \"app.example.com\", \"*.example.com\" or \"*\" for any host")
	case host == "*":
		return true
	case strings.Contains(host, "://") || strings.Contains(host, "/"):
		v.add(key, "%q must be a host name, not a URL", host)
	case strings.Contains(host, ":"):
		v.add(key, "%q must be a host name without a port", host)
	case !isHostname(strings.ToLower(name)):
		v.add(key, "%q is not a host name such as \"app.example.com\", \"*.example.com\" or \"*\"", host)
	default:
		return true
	}
	return false
}
