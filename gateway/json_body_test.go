package gateway_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestJSONBodiesAreReadOneWay: a JSON body is read by Gatehouse only as
// every other reader reads it (a WAF, a front door's rule, an audit
// proxy): one object whose keys are the endpoint's, each once and as
// written, in valid UTF-8; anything else is 400 bad_request before any
// work (docs/contract.md, "JSON bodies"). Before, encoding/json took the
// last of two keys, a key in any case and by Unicode folding
// ("uſername", long s, for "username"), ignored keys it did not know,
// and replaced bytes that are no UTF-8: a WAF that saw "username":"nobody"
// let through a sign-in Gatehouse read as alice's, and an administrator's
// typo ("sesion") ended every session of the account instead of one.
func TestJSONBodiesAreReadOneWay(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	pw := `"password":"` + alice.password + `"`
	for _, tc := range []struct{ name, body string }{
		{"two keys, another case last", `{"username":"nobody",` + pw + `,"Username":"alice"}`},
		{"the same key twice", `{"username":"nobody",` + pw + `,"username":"alice"}`},
		{"another case alone", `{"USERNAME":"alice",` + pw + `}`},
		{"Unicode folding (long s)", "{\"u\u017fername\":\"alice\"," + pw + "}"},
		{"Unicode folding, escaped", `{"u\u017fername":"alice",` + pw + `}`},
		{"a key the endpoint does not take", `{"username":"alice",` + pw + `,"remember":true}`},
		{"bytes that are no UTF-8", "{\"username\":\"alice\",\"password\":\"" + alice.password + "\xff\"}"},
		{"null", `null`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := h.newClient(t)
			sent := h.sms.count(t)
			r := c.do(request{method: http.MethodPost, host: crmHost, path: prefix + "/api/login", body: strings.NewReader(tc.body),
				contentType: "application/json", accept: "application/json"})
			r.wantError(t, http.StatusBadRequest, "bad_request")
			if n := h.sms.count(t); n != sent {
				t.Errorf("%d codes texted for a body refused", n-sent)
			}
			if c.cookie() != "" {
				t.Error("a session cookie was set for a body refused")
			}
		})
	}

	// An administrator's typo changes nothing: before, {"sesion": …} was
	// read as {} and ended every session of bob's. (A harness of its own,
	// with the redis user backend that disable needs: before, the
	// sign-ins above used up alice's codes.)
	h = newHarness(t, withAccounts)
	admin := h.newClient(t)
	admin.signIn(crmHost, alice)
	victim := h.newClient(t)
	victim.signIn(crmHost, bob)
	if r := admin.api(authHost, "admin/users/bob/revoke", map[string]string{"sesion": "not-a-handle"}); r.status != http.StatusBadRequest {
		t.Errorf("revoke with a typo'd key: %d %s, want 400 bad_request", r.status, r.body)
	}
	if r := victim.get(crmHost, "/"); r.status != http.StatusOK {
		t.Errorf("bob's session after a revoke with a typo'd key: %d, want 200 (still signed in)", r.status)
	}
	admin.api(authHost, "admin/users/bob/revoke", map[string]string{"Session": "not-a-handle"}).wantError(t, http.StatusBadRequest, "bad_request")
	// An endpoint that takes no keys takes none: before, its body was
	// never read, and {"disabled":false} disabled bob all the same.
	if r := admin.api(authHost, "admin/users/bob/disable", map[string]bool{"disabled": false}); r.status != http.StatusBadRequest {
		t.Errorf("disable with {\"disabled\":false}: %d %s, want 400 bad_request", r.status, r.body)
	}
	if r := victim.get(crmHost, "/"); r.status != http.StatusOK {
		t.Errorf("bob after a disable with a key it does not take: %d, want 200 (still signed in)", r.status)
	}
	victim.api(crmHost, "logout", map[string]bool{"everywhere": false}).wantError(t, http.StatusBadRequest, "bad_request")
	victim.do(request{method: http.MethodPost, host: crmHost, path: prefix + "/api/logout", accept: "application/json"}).wantStatus(t, http.StatusOK)

	// Inside a passkey's answer too, one key is there once (in any case).
	c := h.newClient(t)
	c.do(request{method: http.MethodPost, host: crmHost, path: prefix + "/api/passkey/login", body: strings.NewReader(`{"passwordless":true,"credential":{"id":"a","ID":"b"}}`),
		contentType: "application/json", accept: "application/json"}).wantError(t, http.StatusBadRequest, "bad_request")

	// The keys as written still work.
	h.newClient(t).signIn(crmHost, alice)
}

// TestJSONCharsetIsUTF8: a JSON body labelled with a charset
// other than UTF-8 (charset=utf-16, ibm037: a WAF that decodes it so sees
// noise, where Gatehouse read the bytes as UTF-8, a classic way past a
// WAF) is 415 unsupported_media_type before any work (docs/contract.md,
// "JSON endpoints"); charset=utf-8, in any case or quoted, is JSON.
func TestJSONCharsetIsUTF8(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := `{"username":"alice","password":"` + alice.password + `"}`
	for _, tc := range []struct {
		contentType string
		status      int
	}{
		{"application/json; charset=utf-16", http.StatusUnsupportedMediaType},
		{"application/json;charset=IBM037", http.StatusUnsupportedMediaType},
		{"application/json; charset=utf-7", http.StatusUnsupportedMediaType},
		{"application/json; charset=utf-8; charset=utf-16", http.StatusUnsupportedMediaType},
		{"application/json; charset=UTF-8", http.StatusOK},
		{`application/json; charset="utf-8"`, http.StatusOK},
		{"application/json", http.StatusOK},
	} {
		t.Run(tc.contentType, func(t *testing.T) {
			c := h.newClient(t)
			sent := h.sms.count(t)
			r := c.do(request{method: http.MethodPost, host: appHost, path: prefix + "/api/login", body: strings.NewReader(body),
				contentType: tc.contentType, accept: "application/json"})
			if tc.status != http.StatusOK {
				r.wantError(t, tc.status, "unsupported_media_type")
				if c.cookie() != "" || h.sms.count(t) != sent {
					t.Error("a body refused signed in or texted")
				}
				return
			}
			r.wantStatus(t, http.StatusOK)
		})
	}
}
