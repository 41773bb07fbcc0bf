package gateway_test

import (
	"net/http"
	"testing"
)

// TestBearerSchemeIsCaseInsensitive: the admin API takes its token under
// the scheme "Bearer" in any case (RFC 9110 section 11.1: a scheme is
// case-insensitive; docs/contract.md, "Admin console"), since HTTP
// libraries and proxies that lower-case it are common; every other rule
// stays: one space or more after the scheme, another scheme or none is
// 401 invalid_token, and the token is still checked.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	token := h.adminToken(t, "ci")
	c := h.newClient(t)
	for _, tc := range []struct {
		name, authz string
		status      int
	}{
		{"Bearer", "Bearer " + token, http.StatusOK},
		{"lower case", "bearer " + token, http.StatusOK},
		{"upper case", "BEARER " + token, http.StatusOK},
		{"mixed case, two spaces", "bEaReR  " + token, http.StatusOK},
		{"lower case, unknown token", "bearer ghadm_ci.AAAA", http.StatusUnauthorized},
		{"another scheme", "Basic " + token, http.StatusUnauthorized},
		{"a longer scheme", "Bearers " + token, http.StatusUnauthorized},
		{"no space", "bearer" + token, http.StatusUnauthorized},
		{"a tab", "bearer\t" + token, http.StatusUnauthorized},
		{"the scheme alone", "bearer", http.StatusUnauthorized},
	} {
		r := c.do(request{host: authHost, path: prefix + "/api/admin/users", accept: "application/json",
			header: http.Header{"Authorization": {tc.authz}}})
		code := ""
		if r.status != http.StatusOK {
			code = r.errorCode(t)
		}
		if r.status != tc.status || (tc.status != http.StatusOK && code != "invalid_token") {
			t.Errorf("%s: got %d %q, want %d", tc.name, r.status, code, tc.status)
		}
	}
}
