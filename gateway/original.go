package gateway

import (
	"net/http"
	"net/url"
	"strings"
)

// original is the request a front door asks about.
type original struct {
	method string
	host   string // normalised
	path   string // cleaned
	// The URL as the front door sent it: parsed (u), or, when it was
	// plain enough to be read without url.Parse, its three parts, which
	// URL parses on demand (only a refusal needs the whole URL).
	u                      *url.URL
	scheme, authority, uri string
}

// URL returns the original URL.
func (o *original) URL() *url.URL {
	if o.u == nil {
		// plainURL vouched that this parses, to Host authority and Path
		// the path part of uri.
		o.u, _ = url.Parse(o.scheme + "://" + o.authority + o.uri)
	}
	return o.u
}

// originalFromNginx reads X-Original-URL and X-Original-Method.
func originalFromNginx(r *http.Request) (original, bool) {
	raw := header(r.Header, "X-Original-Url")
	m := header(r.Header, "X-Original-Method")
	if m == "" {
		m = http.MethodGet
	}
	if scheme, rest, ok := strings.Cut(raw, "://"); ok && (scheme == "http" || scheme == "https") {
		if i := strings.IndexByte(rest, '/'); i > 0 {
			if o, ok := plainOriginal(m, scheme, rest[:i], rest[i:]); ok {
				return o, true
			}
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return original{}, false
	}
	return newOriginal(m, u)
}

// originalFromForwarded reads X-Forwarded-Proto/Host/Uri/Method (Traefik,
// Caddy).
func originalFromForwarded(r *http.Request) (original, bool) {
	proto, host := header(r.Header, "X-Forwarded-Proto"), header(r.Header, "X-Forwarded-Host")
	if proto != "http" && proto != "https" || host == "" {
		return original{}, false
	}
	uri := header(r.Header, "X-Forwarded-Uri")
	if uri == "" {
		uri = "/"
	}
	if !strings.HasPrefix(uri, "/") {
		return original{}, false
	}
	m := header(r.Header, "X-Forwarded-Method")
	if m == "" {
		m = http.MethodGet
	}
	if o, ok := plainOriginal(m, proto, host, uri); ok {
		return o, true
	}
	u, err := url.Parse(proto + "://" + host + uri)
	if err != nil || u.Host == "" {
		return original{}, false
	}
	return newOriginal(m, u)
}

// newOriginal is the original request for method and parsed URL u, or
// false when u's path is refused (encoded slash, backslash, NUL).
func newOriginal(method string, u *url.URL) (original, bool) {
	if strings.Contains(strings.ToLower(u.EscapedPath()), "%2f") || strings.ContainsAny(u.Path, "\\\x00") {
		return original{}, false
	}
	return original{method: strings.ToUpper(method), u: u, host: normalizeHost(u.Host), path: cleanPath(u.Path)}, true
}

// plainOriginal is newOriginal(method, url.Parse(scheme+"://"+authority+uri))
// for the URLs front doors send almost always, read without building and
// parsing the string: it reports false, and the caller parses, for
// anything else. FuzzPlainOriginal holds it to url.Parse.
func plainOriginal(method, scheme, authority, uri string) (original, bool) {
	p, ok := plainURL(authority, uri)
	if !ok {
		return original{}, false
	}
	return original{
		method: strings.ToUpper(method), host: normalizeHost(authority), path: cleanPath(p),
		scheme: scheme, authority: authority, uri: uri,
	}, true
}

// plainURL reports whether an http(s) URL with this authority and uri
// (which starts with '/') is plain: the authority a host name of letters,
// digits, '.', '-' and '_' with an optional numeric port, and the uri
// printable ASCII without '#', with neither '%' nor '\' before its query.
// url.Parse accepts such a URL with Host authority and Path the part of
// uri before '?', which it returns; every check on the path newOriginal
// makes passes.
func plainURL(authority, uri string) (path string, ok bool) {
	host, port, _ := strings.Cut(authority, ":")
	if host == "" || len(uri) == 0 || uri[0] != '/' {
		return "", false
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; !isAlnum(c) && c != '.' && c != '-' && c != '_' {
			return "", false
		}
	}
	for i := 0; i < len(port); i++ {
		if c := port[i]; c < '0' || c > '9' {
			return "", false
		}
	}
	path = uri
	inPath := true
	for i := 0; i < len(uri); i++ {
		switch c := uri[i]; {
		case c <= ' ' || c >= 0x7f || c == '#':
			return "", false
		case !inPath:
		case c == '%' || c == '\\':
			return "", false
		case c == '?':
			path, inPath = uri[:i], false
		}
	}
	return path, true
}

// isAlnum reports an ASCII letter or digit.
func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
