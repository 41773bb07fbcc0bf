package gateway

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// original is the request a front door asks about, read from the headers
// it sent: the decision is made on its path exactly as the front door
// will pass it to the app (docs/contract.md, "Request paths").
type original struct {
	method    string // upper-cased, as routes match it
	unsaid    bool   // no method was said: method is GET (see target.unsaid)
	sent      string // the method as the front door passes it on
	scheme    string
	authority string // host[:port] as the front door sent it
	host      string // normalised
	uri       string // the request target: raw path and query
	path      reqPath
}

// URL returns the original URL as the front door described it.
func (o *original) URL() string { return o.scheme + "://" + o.authority + o.uri }

// originalFromNginx reads X-Original-URL ($scheme://$host$request_uri)
// and X-Original-Method.
func originalFromNginx(r *http.Request) (original, error) {
	raw := headerValue(r.Header, hdrOriginalURL)
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return original{}, errUnauthenticated
	}
	authority, uri := rest, "/"
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, uri = rest[:i], rest[i:]
		if uri[0] != '/' {
			uri = "/" + uri // "https://host?x" is "https://host/?x"
		}
	}
	return newOriginal(headerValue(r.Header, hdrOriginalMethod), scheme, authority, uri)
}

// originalFromForwarded reads X-Forwarded-Proto/Host/Uri/Method (Traefik,
// Caddy). A missing or empty X-Forwarded-Uri is refused like a missing
// host: every front door sends the request target, and deciding for "/"
// instead would allow what "/" allows for any path (docs/contract.md,
// "Forward-auth protocol").
func originalFromForwarded(r *http.Request) (original, error) {
	uri := headerValue(r.Header, hdrForwardedURI)
	if uri == "" {
		return original{}, errUnauthenticated
	}
	return newOriginal(headerValue(r.Header, hdrForwardedMethod), headerValue(r.Header, hdrForwardedProto), headerValue(r.Header, hdrForwardedHost), uri)
}

// newOriginal checks and reads the parts of an original request. Missing
// or malformed scheme, host or method are errUnauthenticated (the front
// door is misconfigured: refuse); a path readers could read differently
// is errBadPath.
func newOriginal(method, scheme, authority, uri string) (original, error) {
	unsaid := method == ""
	if unsaid {
		method = http.MethodGet
	}
	scheme = strings.ToLower(scheme)
	if scheme != "http" && scheme != "https" || !validAuthority(scheme, authority) || !validMethod(method) {
		return original{}, errUnauthenticated
	}
	p, err := readPath(rawRequestPath(uri))
	if err != nil {
		return original{}, err
	}
	return original{
		method: upstreamMethod(method), sent: method, unsaid: unsaid, scheme: scheme, authority: authority,
		host: normalizeHost(authority), uri: uri, path: p,
	}, nil
}

// validAuthority reports whether authority is a bare host[:port], as
// net/url reads it (no userinfo, path, query or fragment), with a port a
// connection could have (at most 65535). The answer
// depends on authority alone (scheme is http or https), so authorities
// found valid are remembered (see validAuthorities) and later checks for
// them skip url.Parse and its two allocations.
func validAuthority(scheme, authority string) bool {
	if authority == "" || strings.ContainsAny(authority, "@/?#\\ ") {
		return false
	}
	if _, ok := validAuthorities.m.Load(authority); ok {
		return true
	}
	u, err := url.Parse(scheme + "://" + authority)
	if err != nil || u.Host != authority || u.Hostname() == "" {
		return false
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n > 65535 {
			return false
		}
	}
	validAuthorities.remember(authority)
	return true
}

// validMethod reports an HTTP token of letters.
func validMethod(m string) bool {
	if len(m) > 16 {
		return false
	}
	for i := 0; i < len(m); i++ {
		if c := m[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// validAuthorities are the authorities validAuthority accepted.
var validAuthorities authoritySet

// authoritySet remembers authorities url.Parse accepted: the hosts a
// front door asks about, a handful in practice. Hosts come from clients,
// so the set stops growing at maxValidAuthorities (others are then
// checked every time).
type authoritySet struct {
	m sync.Map // authority → struct{}
	n atomic.Int32
}

// maxValidAuthorities bounds an authoritySet.
const maxValidAuthorities = 1024

// remember adds authority to the set unless it is full.
func (v *authoritySet) remember(authority string) {
	if v.n.Add(1) > maxValidAuthorities {
		v.n.Add(-1)
		return
	}
	if _, loaded := v.m.LoadOrStore(authority, struct{}{}); loaded {
		v.n.Add(-1)
	}
}
