package gateway

import (
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse/config"
)

// identityHeaders knows the configured identity header names and strips
// every variant of them (any case, '_' for '-') from requests.
type identityHeaders struct {
	cfg        config.Headers
	normalized map[string]bool // lower-case, '-' form
	all        []string        // canonical names of configured headers
}

func newIdentityHeaders(h config.Headers) *identityHeaders {
	ih := &identityHeaders{cfg: h, normalized: map[string]bool{}}
	for _, name := range []string{h.User, h.Email, h.Name, h.Groups, h.Phone, h.Methods, h.Assertion} {
		if name == "" {
			continue
		}
		ih.normalized[normalizeHeaderName(name)] = true
		ih.all = append(ih.all, http.CanonicalHeaderKey(name))
	}
	return ih
}

func normalizeHeaderName(name string) string {
	return strings.ReplaceAll(strings.ToLower(name), "_", "-")
}

// strip deletes every incoming header that is, or could be read by some
// server as, one of our identity headers.
func (ih *identityHeaders) strip(h http.Header) {
	for name := range h {
		if ih.normalized[normalizeHeaderName(name)] {
			delete(h, name)
		}
	}
}

// identity is what is asserted about an authorised request.
type identity struct {
	user, email, name, phone string
	groups, methods          []string
	assertion                string
}

// set writes the identity headers. With always set, headers whose value is
// unknown are still written, empty, so that a front door copying them can
// never pass a client's copy through.
func (ih *identityHeaders) set(h http.Header, id identity, always bool) {
	put := func(name, value string) {
		if name == "" || (value == "" && !always) {
			return
		}
		h[http.CanonicalHeaderKey(name)] = []string{value}
	}
	put(ih.cfg.User, id.user)
	put(ih.cfg.Email, id.email)
	put(ih.cfg.Name, sanitizeHeaderValue(id.name))
	put(ih.cfg.Groups, strings.Join(id.groups, ","))
	put(ih.cfg.Phone, id.phone)
	put(ih.cfg.Methods, strings.Join(id.methods, ","))
	put(ih.cfg.Assertion, id.assertion)
}

// sanitizeHeaderValue drops control characters so a display name cannot
// split or corrupt a header.
func sanitizeHeaderValue(v string) string {
	if strings.IndexFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) < 0 {
		return v
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, v)
}

// removeCookie deletes the cookie named name from the Cookie headers of h,
// keeping every other cookie as sent.
func removeCookie(h http.Header, name string) {
	lines := h["Cookie"]
	if len(lines) == 0 {
		return
	}
	var kept []string
	for _, line := range lines {
		var parts []string
		for _, part := range strings.Split(line, ";") {
			p := strings.TrimSpace(part)
			if p == "" {
				continue
			}
			k, _, _ := strings.Cut(p, "=")
			if strings.TrimSpace(k) == name {
				continue
			}
			parts = append(parts, p)
		}
		if len(parts) > 0 {
			kept = append(kept, strings.Join(parts, "; "))
		}
	}
	if len(kept) == 0 {
		delete(h, "Cookie")
		return
	}
	h["Cookie"] = []string{strings.Join(kept, "; ")}
}
