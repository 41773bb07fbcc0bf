package gateway_test

import (
	"net/http"
	"testing"
)

// TestForwardAuthUnknownMethod: a front door that does not say the
// request's method (an nginx snippet without X-Original-Method) is not
// answered as if every request were a GET where the method decides:
// proxy mode refuses an anonymous POST to the GET-and-HEAD-only
// bypass route of ro.example.com, and forward-auth must not let it
// through either. Where no route decides by method, the request is
// still decided (read as GET), as before.
func TestForwardAuthUnknownMethod(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	anon := h.newClient(t)
	alices := h.newClient(t)
	alices.signIn(crmHost, alice)

	// What proxy mode does with the request itself.
	if r := anon.do(request{method: http.MethodPost, host: roHost, path: "/page", accept: "application/json"}); r.status == http.StatusOK {
		t.Fatalf("proxy mode: anonymous POST to %s answered 200", roHost)
	}

	for _, tc := range []struct {
		name   string
		c      *client
		host   string
		method string // "" for none sent
		want   int
	}{
		{"method unknown, route decides by method", anon, roHost, "", http.StatusForbidden},
		{"method given, GET", anon, roHost, "GET", http.StatusOK},
		{"method given, POST", anon, roHost, "POST", http.StatusForbidden},
		{"method unknown, bypass host without methods", anon, publicHost, "", http.StatusOK},
		{"method unknown, signed in, no route decides by method", alices, crmHost, "", http.StatusOK},
		{"method unknown, anonymous, no route decides by method", anon, crmHost, "", http.StatusUnauthorized},
	} {
		t.Run("auth-request/"+tc.name, func(t *testing.T) {
			r := tc.c.nginx("https://"+tc.host+"/page", tc.method, nil)
			if r.status != tc.want {
				t.Errorf("status %d, want %d (%s)", r.status, tc.want, r.body)
			}
		})
		t.Run("forward-auth/"+tc.name, func(t *testing.T) {
			r := tc.c.traefik("https", tc.host, "/page", tc.method, "application/json")
			want := tc.want
			if want == http.StatusForbidden && tc.method == "" {
				want = http.StatusBadRequest // as a disagreeing method override
			}
			if r.status != want {
				t.Errorf("status %d, want %d (%s)", r.status, want, r.body)
			}
		})
	}
}
