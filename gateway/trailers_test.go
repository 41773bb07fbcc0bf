package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// TestRequestTrailersCarryNoIdentity checks docs/contract.md, "Identity
// headers": a client's chunked request with trailers named like the
// identity or forwarding headers (which some app servers merge into the
// request's headers once the body is read) reaches the app with none of
// their values, on a bypass route and on a signed-in one alike.
func TestRequestTrailersCarryNoIdentity(t *testing.T) {
	t.Parallel()
	type seen struct{ user, trailers string }
	got := make(chan seen, 4)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // trailers are read with the body's end
		var vals []string
		for k, v := range r.Trailer {
			if len(v) > 0 {
				vals = append(vals, k+": "+strings.Join(v, ","))
			}
		}
		got <- seen{user: r.Header.Get("X-Auth-User"), trailers: strings.Join(vals, "; ")}
	}))
	t.Cleanup(up.Close)
	h := newHarness(t, setup{edit: func(cfg *config.Config, _ string) {
		cfg.Routes = append(cfg.Routes,
			config.Route{Name: "blog", Host: blogHost, PathPrefix: "/", Upstream: up.URL, Policy: "bypass"},
			config.Route{Name: "wiki", Host: wikiHost, PathPrefix: "/", Upstream: up.URL, Policy: "password"},
		)
	}})
	c := h.newClient(t)
	c.signIn(wikiHost, bob)
	for host, wantUser := range map[string]string{blogHost: "", wikiHost: "bob"} {
		req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/upload", io.MultiReader(strings.NewReader("part")))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		req.ContentLength = -1 // chunked, so trailers can follow
		req.Trailer = http.Header{
			"X-Auth-User":      {"alice"},
			"X-Auth-Groups":    {"admins"},
			"X-Auth-Assertion": {"forged"},
			"X-Forwarded-For":  {"10.0.0.1"},
			"Remote-User":      {"alice"},
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", host, resp.StatusCode)
		}
		s := <-got
		if s.user != wantUser {
			t.Errorf("%s: the app saw X-Auth-User %q, want %q", host, s.user, wantUser)
		}
		if s.trailers != "" {
			t.Errorf("%s: the client's trailers reached the app: %s", host, s.trailers)
		}
	}
}
