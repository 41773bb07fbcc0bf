package gateway

import (
	"net/http"
	"strings"
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
	if repeated(r.Header, hdrOriginalURL, hdrOriginalMethod) {
		return original{}, errUnauthenticated
	}
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
	if uri == "" || repeated(r.Header, hdrForwardedProto, hdrForwardedHost, hdrForwardedURI, hdrForwardedMethod) {
		return original{}, errUnauthenticated
	}
	return newOriginal(headerValue(r.Header, hdrForwardedMethod), headerValue(r.Header, hdrForwardedProto), headerValue(r.Header, hdrForwardedHost), uri)
}

// repeated reports whether any of keys (canonical names) is on more than
// one line of h. A front door that adds its line after the client's
// (HAProxy's add-header, Envoy's appending request_headers_to_add)
// passes the client's own description on first, and nothing tells which
// line is the front door's: the question is refused, never decided on
// either (docs/contract.md, "Forward-auth protocol"). It allocates
// nothing.
func repeated(h http.Header, keys ...string) bool {
	for _, k := range keys {
		if len(h[k]) > 1 {
			return true
		}
	}
	return false
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
	switch scheme = strings.ToLower(scheme); scheme {
	// A WebSocket's scheme, as Traefik passes it with trustForwardHeader
	// (docs/contract.md, "Forward-auth protocol"): the same origin as
	// the page's.
	case "ws":
		scheme = "http"
	case "wss":
		scheme = "https"
	}
	if scheme != "http" && scheme != "https" || !validAuthority(authority) || !validMethod(method) {
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

// validAuthority reports whether authority is a bare host[:port], as a
// connection could have it (validHost): no userinfo, path, query or
// fragment, no byte a host name does not have, a port of at most 65535.
func validAuthority(authority string) bool {
	return authority != "" && validHost(authority)
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
