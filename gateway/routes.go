package gateway

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// Policies a route can have.
const (
	PolicyBypass    = "bypass"
	PolicyPassword  = "password"
	PolicySMS       = "sms"
	PolicyTwoFactor = "two_factor"
	// PolicyPasskey asks for a user-verified passkey, which is two
	// factors in one (docs/contract.md, "Passkeys").
	PolicyPasskey = "passkey"
	PolicyDeny    = "deny"
)

// route is one configured route, compiled for matching.
type route struct {
	name       string
	display    string // display_name: what the portal calls the app
	hostExact  string // lower-case host, or ""
	hostSuffix string // ".example.com" for "*.example.com"
	anyHost    bool   // "*"
	prefix     string
	methods    map[string]bool // nil = all
	bypass     []string
	policy     string
	groups     []string
	maxAuthAge time.Duration
	// second are the second factors a two_factor route accepts; nil:
	// any (routes[].second_factors).
	second []string
	// phishing asks for a passkey as the second factor, with no
	// recovery code in its place (routes[].phishing_resistant).
	phishing bool
	// fold matches prefix and bypass in any case: the upstream reads
	// paths so (routes[].case_insensitive_paths).
	fold bool
	// namesInfo: prefix names a PHP script and a PATH_INFO after it
	// (/index.php/admin), which the paths under it are decided on
	// (givesPathInfo).
	namesInfo  bool
	app        bool // account routes: the account has an authenticator app
	keys       bool // account routes: the account has a passkey
	upstream   *url.URL
	proxy      *httputil.ReverseProxy
	preserve   bool
	cacheAllow bool                 // cache: allow (see noStoreWithIdentity)
	anyOrigin  bool                 // cross_origin_posts: allow (see unaskedPost)
	timeouts   config.RouteTimeouts // resolved: never zero
	m          *routeMetrics        // set by SetRoutes
}

// table is the compiled route list, most specific first.
type table struct {
	routes     []*route
	transports []*http.Transport // made for this table's routes; see prepareRoutes
	// anyMethod are the methods a request whose method the front door
	// did not say may have, as far as routes tell them apart: every
	// method a route lists, HEAD, and "" for any method none lists (no
	// route's methods take it); nil when no route lists methods.
	anyMethod []string
}

func compileRoutes(rs []config.Route) (*table, error) {
	t := &table{}
	for _, r := range rs {
		u, err := url.Parse(r.Upstream)
		if err != nil {
			return nil, err
		}
		cr := &route{
			name:       r.Name,
			display:    r.DisplayName,
			prefix:     r.PathPrefix,
			bypass:     r.BypassPaths,
			policy:     r.Policy,
			groups:     r.Groups,
			maxAuthAge: r.MaxAuthAge,
			second:     secondFactorsOf(r.SecondFactors),
			phishing:   r.PhishingResistant,
			fold:       r.CaseInsensitivePaths,
			upstream:   u,
			preserve:   r.PreserveHost,
			cacheAllow: r.Cache == config.RouteCacheAllow,
			anyOrigin:  r.CrossOriginPosts == config.RouteCrossOriginAllow,
			timeouts:   resolveTimeouts(r.Timeouts),
		}
		if cr.prefix == "" {
			cr.prefix = "/"
		}
		cr.namesInfo = namesPathInfo(cr.prefix)
		h := strings.ToLower(strings.TrimSuffix(r.Host, "."))
		switch {
		case h == "*":
			cr.anyHost = true
		case strings.HasPrefix(h, "*."):
			cr.hostSuffix = h[1:]
		default:
			cr.hostExact = h
		}
		if len(r.Methods) > 0 {
			cr.methods = make(map[string]bool, len(r.Methods))
			for _, m := range r.Methods {
				cr.methods[upstreamMethod(m)] = true
				t.anyMethod = append(t.anyMethod, upstreamMethod(m))
			}
		}
		t.routes = append(t.routes, cr)
	}
	if t.anyMethod != nil {
		t.anyMethod = append(t.anyMethod, http.MethodHead, "")
		slices.Sort(t.anyMethod)
		t.anyMethod = slices.Compact(t.anyMethod)
	}
	// Most specific host first (exact, then longer wildcard suffixes, then
	// any), then longest path prefix.
	sort.SliceStable(t.routes, func(i, j int) bool {
		a, b := t.routes[i], t.routes[j]
		if sa, sb := a.hostRank(), b.hostRank(); sa != sb {
			return sa > sb
		}
		return len(a.prefix) > len(b.prefix)
	})
	return t, nil
}

// secondFactorsOf is a route's second_factors as methods: nil (any) when
// the list is empty.
func secondFactorsOf(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	return slices.Clone(list)
}

func (r *route) hostRank() int {
	switch {
	case r.hostExact != "":
		return 1 << 20
	case r.hostSuffix != "":
		return len(r.hostSuffix)
	default:
		return 0
	}
}

func (r *route) matchHost(host string) bool {
	switch {
	case r.anyHost:
		return true
	case r.hostSuffix != "":
		return len(host) > len(r.hostSuffix) && strings.HasSuffix(host, r.hostSuffix)
	default:
		return host == r.hostExact
	}
}

// match returns the route for host (normalised) and one reading of the
// path, or nil. Routes are tried most specific host first (exact, longer
// wildcard, "*"), and within a host by longest path prefix; the first
// whose path prefix and methods fit wins.
func (t *table) match(host, p, method string) *route {
	return t.matchMethod(host, p, upstreamMethod(method)) // once, not per route
}

// matchMethod is match for a method compared as given: a route's
// methods (upper-case) take it only as listed, and HEAD where GET is.
func (t *table) matchMethod(host, p, method string) *route {
	for _, r := range t.routes {
		if r.matchHost(host) && r.coversPath(p) && r.allowsMethod(method) {
			return r
		}
	}
	return nil
}

// coversPath reports whether the route's path_prefix covers p: whole
// segments (pathHasPrefix), and a prefix ending in "/" also covers the
// path without that slash ("/admin/" covers "/admin"), which apps serve
// as the same page or redirect, unless the route bypasses
// (docs/contract.md, "Routes: path_prefix and methods").
func (r *route) coversPath(p string) bool {
	n := len(p)
	if segmentPrefix(p, r.prefix, r.fold) {
		return true
	}
	// Never a bypass route: widening what needs nothing is not safe.
	return r.policy != PolicyBypass && len(r.prefix) == n+1 && r.prefix[n] == '/' && hasPrefix(r.prefix, p, r.fold)
}

// allowsMethod reports whether the route's methods cover method, which
// match upper-cased (upstreamMethod, as apps read it), and HEAD wherever
// GET is listed, since frameworks answer HEAD with the GET handler
// (docs/contract.md, "Routes: path_prefix and methods").
func (r *route) allowsMethod(method string) bool {
	if r.methods == nil {
		return true
	}
	return r.methods[method] || method == http.MethodHead && r.methods[http.MethodGet]
}

// upstreamMethod is method as routes are matched on it and as proxy mode
// forwards it: upper-cased, as frameworks read it (docs/contract.md,
// "Routes: path_prefix and methods"). It allocates only for a method that
// is not upper-case already.
func upstreamMethod(method string) string {
	return strings.ToUpper(method)
}

// resolve returns the route for host and every reading of rp, and whether
// the path is bypassed; a path whose readings lead to different routes or
// bypass decisions is refused with errBadPath (docs/contract.md, "Request
// paths"). A nil route with a nil error means no route covers it.
//
// overrides are the methods the request's method-override headers and
// _method query parameters name (methodOverrides): an app that honours them serves the request as that
// method, so each must lead to the same route and bypass decision too,
// on every reading of the path (an app that drops ";parameters" may
// honour the override as well), or the request is refused with
// errBadMethod.
func (t *table) resolve(host string, rp *reqPath, method string, overrides ...string) (*route, bool, error) {
	rt := t.match(host, rp.path, method)
	bypassed := rt != nil && rt.bypasses(rp.path)
	for _, alt := range rp.alts {
		if other := t.match(host, alt, method); (other != rt || (other != nil && other.bypasses(alt) != bypassed)) && !rt.givesPathInfo(rp, alt) {
			return nil, false, errBadPath
		}
	}
	if !t.formatAgrees(host, rp, upstreamMethod(method), rt) {
		return nil, false, errBadPath
	}
	for _, v := range overrides {
		// Each item of a list ("DELETE, POST": some read the first,
		// some the last) is a method the app may serve it as.
		for m := range strings.SplitSeq(v, ",") {
			if !t.leadsTo(host, rp, upstreamMethod(strings.TrimSpace(m)), rt, bypassed) {
				return nil, false, errBadMethod
			}
		}
	}
	return rt, bypassed, nil
}

// agreesAsSent reports whether sent, the method as the client sent it
// (which the app behind a front door receives), leads to rt and bypassed
// on every reading of rp when compared as sent: an app that reads methods
// case-sensitively (Go's ServeMux) takes "get" for a method of its own,
// which no route's methods list (docs/contract.md, "Routes: path_prefix
// and methods"). A method in upper case is its one reading.
func (t *table) agreesAsSent(host string, rp *reqPath, sent string, rt *route, bypassed bool) bool {
	return sent == upstreamMethod(sent) || t.leadsTo(host, rp, sent, rt, bypassed)
}

// agreesForAnyMethod reports whether every method a request may have
// (anyMethod) leads every reading of rp to rt and bypassed: the question
// about a request whose method the front door did not say
// (docs/contract.md, "Forward-auth protocol").
func (t *table) agreesForAnyMethod(host string, rp *reqPath, rt *route, bypassed bool) bool {
	for _, m := range t.anyMethod {
		if !t.leadsTo(host, rp, m, rt, bypassed) {
			return false
		}
	}
	return true
}

// leadsTo reports whether method m, compared as given (routes' methods
// are upper case), leads every reading of rp to rt and the same bypass
// decision.
func (t *table) leadsTo(host string, rp *reqPath, m string, rt *route, bypassed bool) bool {
	same := func(p string) bool {
		other := t.matchMethod(host, p, m)
		return other == rt && (other == nil || other.bypasses(p) == bypassed)
	}
	if !same(rp.path) {
		return false
	}
	for _, alt := range rp.alts {
		if !same(alt) && !rt.givesPathInfo(rp, alt) {
			return false
		}
	}
	return t.formatAgrees(host, rp, m, rt)
}

// hostMatchesAny reports whether host is the host of a route (exact or
// wildcard; "*" routes do not count, so they cannot widen redirects).
func (t *table) hostMatchesAny(host string) bool {
	for _, r := range t.routes {
		if !r.anyHost && r.matchHost(host) {
			return true
		}
	}
	return false
}

// bypasses reports whether the route lets p through without a check: a
// bypass route, or p under one of its bypass_paths.
func (r *route) bypasses(p string) bool { return r.policy == PolicyBypass || r.isBypassed(p) }

// isBypassed reports whether p is under one of the route's bypass_paths.
func (r *route) isBypassed(p string) bool {
	for _, b := range r.bypass {
		if segmentPrefix(p, b, r.fold) {
			return true
		}
	}
	return false
}

// pathHasPrefix matches whole segments: "/admin" matches "/admin" and
// "/admin/x" but not "/administrator"; a prefix ending in "/" matches
// everything below it.
func pathHasPrefix(p, prefix string) bool { return segmentPrefix(p, prefix, false) }

// segmentPrefix is pathHasPrefix, in any case when fold (a route whose
// upstream reads paths so: "/ADMIN" is under "/admin"). Paths never hold
// a character whose case is ASCII but itself is not (checkDecoded), so
// strings.EqualFold over the prefix's bytes folds as such an app does.
func segmentPrefix(p, prefix string, fold bool) bool {
	if prefix == "/" || prefix == "" {
		return true
	}
	if !hasPrefix(p, prefix, fold) {
		return false
	}
	return len(p) == len(prefix) || prefix[len(prefix)-1] == '/' || p[len(prefix)] == '/'
}

// hasPrefix is strings.HasPrefix, without regard to case when fold.
func hasPrefix(s, prefix string, fold bool) bool {
	if !fold {
		return strings.HasPrefix(s, prefix)
	}
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// normalizeHost lower-cases host and strips a port and a trailing dot.
func normalizeHost(h string) string {
	if strings.IndexByte(h, ':') >= 0 { // SplitHostPort fails (and allocates) without one
		if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	return strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
}
