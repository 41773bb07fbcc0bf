package config

// Checks of the identity section: the signing keys, the assertion's
// lifetime and the identity headers, which may not be headers HTTP,
// browsers or proxies use (docs/contract.md, "Identity headers (to
// upstreams and in forward-auth 200s)").

import (
	"fmt"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/headername"
)

// reservedHeaders may not be used as identity headers: the gateway deletes
// identity headers from every request, and these carry the request itself,
// its credentials, what browsers say about it (Origin, which the CSRF
// checks read; every Sec- header, see reservedHeader), or what proxies
// tell each other. Keys are normalised with headername.Normal.
var reservedHeaders = map[string]bool{
	"host": true, "cookie": true, "set-cookie": true, "authorization": true,
	"proxy-authorization": true, "proxy-authenticate": true, "www-authenticate": true,
	"connection": true, "keep-alive": true, "proxy-connection": true, "te": true,
	"trailer": true, "transfer-encoding": true, "upgrade": true,
	"content-length": true, "content-type": true, "content-encoding": true,
	"location": true, "forwarded": true, "x-forwarded-for": true,
	"x-forwarded-host": true, "x-forwarded-proto": true, "x-forwarded-port": true,
	"x-forwarded-uri": true, "x-forwarded-method": true, "x-original-url": true,
	"x-original-method": true, "x-real-ip": true, "x-request-id": true,
	"origin": true, "http2-settings": true,
}

// reservedHeader reports whether the normalised header name may not be an
// identity header: reservedHeaders, and every Sec- header (fetch metadata
// and the like, which browsers alone may send).
func reservedHeader(norm string) bool {
	return reservedHeaders[norm] || strings.HasPrefix(norm, "sec-")
}

func (v *validator) identity() {
	id := v.c.Identity
	if id.SigningKeyFile == "" {
		v.add("identity.signing_key_file", "required (create one with `gatehouse keygen`)")
	}
	for i, f := range id.PreviousKeyFiles {
		if f == "" {
			v.add(fmt.Sprintf("identity.previous_key_files.%d", i), "must not be empty")
		}
	}
	if id.AssertionTTL < minAssertionTTL || id.AssertionTTL > maxAssertionTTL {
		v.add("identity.assertion_ttl", "must be from %s to %s (it is %s)", minAssertionTTL, maxAssertionTTL, id.AssertionTTL)
	}

	h := id.Headers
	headers := []struct {
		key, value string
		required   bool
	}{
		{"user", h.User, true},
		{"email", h.Email, false},
		{"name", h.Name, false},
		{"groups", h.Groups, false},
		{"phone", h.Phone, false},
		{"methods", h.Methods, false},
		{"assertion", h.Assertion, true},
	}
	used := map[string]string{}
	for _, hd := range headers {
		key := "identity.headers." + hd.key
		switch {
		case hd.value == "":
			if hd.required {
				v.add(key, "required")
			}
			continue
		case !isToken(hd.value):
			v.add(key, "%q is not a valid header name", hd.value)
			continue
		case reservedHeader(headername.Normal(hd.value)):
			v.add(key, "%q is reserved for HTTP itself, browsers or proxies (identity headers are deleted from every request, so the gateway would lose it); choose a name such as \"X-Auth-User\"", hd.value)
			continue
		}
		norm := headername.Normal(hd.value)
		if other, dup := used[norm]; dup {
			v.add(key, "%q is the same header as %s (names are compared ignoring case, and every character but a letter or digit counts as \"-\")", hd.value, other)
			continue
		}
		used[norm] = key
	}
}
