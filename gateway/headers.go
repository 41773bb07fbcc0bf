package gateway

import (
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/headername"
)

// identityHeaders knows the configured identity header names and strips
// every variant of them, and of the default names (any case, any
// separator: headername.Fold), from requests.
type identityHeaders struct {
	// canon are the configured names in canonical form, in the order of
	// identity's fields; "" for a header that is not sent.
	canon [numIdentityHeaders]string
	// names matches the configured and default names in every
	// spelling.
	names headerNames
}

// numIdentityHeaders is the number of identity headers: user, email,
// name, groups, phone, methods, assertion.
const numIdentityHeaders = 7

func newIdentityHeaders(h config.Headers) *identityHeaders {
	ih := &identityHeaders{}
	for i, name := range headerList(h) {
		if name == "" {
			continue
		}
		ih.canon[i] = http.CanonicalHeaderKey(name)
		ih.names.add(name)
	}
	// The default names are deleted too, whatever is configured
	// (docs/contract.md, "Identity headers"): an app still reading them
	// after a rename would take a client's for the gateway's.
	for _, name := range defaultIdentityNames() {
		if !ih.names.has(name) {
			ih.names.add(name)
		}
	}
	return ih
}

// headerList returns h's names in the order of identityHeaders.canon.
func headerList(h config.Headers) [numIdentityHeaders]string {
	return [numIdentityHeaders]string{h.User, h.Email, h.Name, h.Groups, h.Phone, h.Methods, h.Assertion}
}

// defaultIdentityNames are the identity headers' default names, and
// X-Auth-Phone for the phone header, which is not sent by default.
func defaultIdentityNames() []string {
	names := []string{"X-Auth-Phone"}
	for _, name := range headerList(config.Default().Identity.Headers) {
		if name != "" {
			names = append(names, name)
		}
	}
	return names
}

// strip deletes every incoming header that is, or could be read by some
// server as, one of our identity headers or their default names. It
// allocates nothing.
func (ih *identityHeaders) strip(h http.Header) { ih.names.strip(h) }

// isIdentity reports whether name is a configured identity header or a
// default name of one (defaultIdentityNames) in any case and with any
// separator (headername.Fold).
func (ih *identityHeaders) isIdentity(name string) bool { return ih.names.has(name) }

// headerNames is a set of header names matched in any case and with any
// byte but a letter or digit standing for '-' (headername.Fold), as CGI,
// PHP and some servers read them. The names are
// kept normalised (headername.Normal) and by length, so a lookup only
// compares names that can match; families of names (withPrefixes) by
// their first byte.
type headerNames struct {
	byLen [256][]string
	// prefixes are normalised name prefixes by their first byte: a name
	// that starts with one is in the set.
	prefixes [128][]string
}

// newHeaderNames returns the set of names.
func newHeaderNames(names ...string) *headerNames {
	ns := &headerNames{}
	for _, n := range names {
		ns.add(n)
	}
	return ns
}

// add puts name in the set; a name of 256 bytes or more (which no client
// header can match, see has) is left out.
func (ns *headerNames) add(name string) {
	if len(name) < len(ns.byLen) {
		ns.byLen[len(name)] = append(ns.byLen[len(name)], headername.Normal(name))
	}
}

// withPrefixes puts in the set every name that starts with one of
// prefixes (a family of names, "X-Amzn-Oidc-" for X-Amzn-Oidc-Data and
// the rest), in any case and with any separator, and returns ns.
func (ns *headerNames) withPrefixes(prefixes ...string) *headerNames {
	for _, p := range prefixes {
		if p = headername.Normal(p); p != "" && p[0] < 128 {
			ns.prefixes[p[0]] = append(ns.prefixes[p[0]], p)
		}
	}
	return ns
}

// has reports whether name is in the set in any case, with any byte but
// a letter or digit standing for '-'.
func (ns *headerNames) has(name string) bool {
	if len(name) < len(ns.byLen) {
		for _, n := range ns.byLen[len(name)] {
			if normalizedEqual(name, n) {
				return true
			}
		}
	}
	if name == "" {
		return false
	}
	first := headername.Fold(name[0])
	for _, p := range ns.prefixes[first] {
		if len(name) >= len(p) && normalizedEqual(name[:len(p)], p) {
			return true
		}
	}
	return false
}

// strip deletes every header of h that is in the set. It allocates
// nothing.
func (ns *headerNames) strip(h http.Header) {
	for name := range h {
		if ns.has(name) {
			delete(h, name)
		}
	}
}

// normalizedEqual reports whether name, normalised (headername.Fold),
// equals norm (same length).
func normalizedEqual(name, norm string) bool {
	for i := 0; i < len(name); i++ {
		if headername.Fold(name[i]) != norm[i] {
			return false
		}
	}
	return true
}

// identity is what is asserted about an authorised request, as header
// values: groups and methods are comma-separated.
type identity struct {
	user, email, name, phone string
	groups, methods          string
	assertion                string
	// values are the header values (headerValues), made once for an
	// identity the assertion cache hands out on every check; nil to make
	// them per use. Shared: like the constant values of hotpath.go, each
	// header gets a slice of length and capacity one, and nothing writes
	// into a header value in place.
	values *[numIdentityHeaders]string
}

// headerValues returns id's header values in the order of
// identityHeaders.canon, the name as auth.ShownName shows it.
func (id *identity) headerValues() *[numIdentityHeaders]string {
	return &[numIdentityHeaders]string{id.user, id.email, auth.ShownName(id.name), id.groups, id.phone, id.methods, id.assertion}
}

// set writes the identity headers. With always set, headers whose value is
// unknown are still written, empty, so that a front door copying them can
// never pass a client's copy through. Every header's value slice has a
// capacity of one (an Add on one header cannot write into another's), and
// all of them share one array: id.values, or one made here.
func (ih *identityHeaders) set(h http.Header, id identity, always bool) {
	vals := id.values
	if vals == nil {
		vals = id.headerValues()
	}
	for i, name := range ih.canon {
		if name == "" || (vals[i] == "" && !always) {
			continue
		}
		h[name] = vals[i : i+1 : i+1]
	}
}

// removeCookie deletes the cookies named one of names, compared without
// regard to case, from the Cookie headers of h, keeping every other
// cookie as sent.
func removeCookie(h http.Header, names ...string) {
	lines := h["Cookie"]
	if len(lines) == 0 {
		return
	}
	kept := keptCookies(lines, names)
	if kept == "" {
		delete(h, "Cookie")
		return
	}
	h["Cookie"] = []string{kept}
}

// keptCookies returns the cookies of the Cookie header lines without
// those named one of names (compared without regard to case), each pair
// as sent, on one line joined by "; ": "" when none is left.
func keptCookies(lines, names []string) string {
	var b strings.Builder
	for _, line := range lines {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			p := strings.TrimSpace(part)
			if p == "" {
				continue
			}
			k, _, _ := strings.Cut(p, "=")
			if containsFold(names, strings.TrimSpace(k)) {
				continue
			}
			if b.Len() == 0 {
				b.Grow(len(lines[0]))
			} else {
				b.WriteString("; ")
			}
			b.WriteString(p)
		}
	}
	return b.String()
}
