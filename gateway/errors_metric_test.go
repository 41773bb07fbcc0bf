package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
)

// overloadedChecker refuses every password check as a Hasher whose
// slots all stayed busy past their wait does.
type overloadedChecker struct{}

func (overloadedChecker) Check(context.Context, string, string) (auth.Match, error) {
	return 0, fmt.Errorf("password hashing: all 1 slots busy: %w", auth.ErrOverloaded)
}

func (overloadedChecker) VerifyDummy(context.Context, string) error {
	return fmt.Errorf("password hashing: all 1 slots busy: %w", auth.ErrOverloaded)
}

// panickyStore panics on every read while panics is set, as a handler
// with a bug would.
type panickyStore struct {
	*memstore.Store
	panics atomic.Bool
}

func (p *panickyStore) Get(ctx context.Context, k string) ([]byte, error) {
	if p.panics.Load() {
		panic("store exploded")
	}
	return p.Store.Get(ctx, k)
}

// TestServerErrorsAreCounted: every answer of 500 or more, by its
// error code, is counted in gatehouse_http_errors_total
// (docs/operations.md, "Metrics"), so that an operator can alert on
// sign-ins refused 503 `overloaded` (the password hashing capacity
// spent) as on any other: the portal's and its API's, a proxied
// request's 502 (an application down) and a handler's panic (500).
// Before, an overload was only a log line: no metric moved; and after
// the metric came, the proxy's 502/504 and a panic's 500 still moved
// none though the page listed them.
func TestServerErrorsAreCounted(t *testing.T) {
	t.Parallel()
	store := &panickyStore{Store: memstore.New(auth.SystemClock{})}
	h := newHarness(t, setup{loginHasher: overloadedChecker{}, store: func(*testing.T) auth.Store { return store }})
	tests := []struct {
		name   string
		panics bool // the store's reads panic
		send   func(c *client) reply
		status int
		code   string
	}{
		{"API sign-in", false, func(c *client) reply {
			return c.api(crmHost, "login", map[string]string{"username": alice.name, "password": alice.password})
		}, http.StatusServiceUnavailable, "overloaded"},
		{"page sign-in", false, func(c *client) reply {
			return c.form(crmHost, "/login", url.Values{"username": {alice.name}, "password": {alice.password}})
		}, http.StatusServiceUnavailable, "overloaded"},
		{"a name no account has", false, func(c *client) reply {
			return c.api(crmHost, "login", map[string]string{"username": "nobody", "password": "whatever"})
		}, http.StatusServiceUnavailable, "overloaded"},
		{"a proxied request, the application down", false, func(c *client) reply {
			return c.get(deadHost, "/")
		}, http.StatusBadGateway, "upstream_unavailable"},
		{"a handler's panic", true, func(*client) reply {
			// A session cookie: its session is read from the store.
			return h.clientWithCookie(t, strings.Repeat("a", 43)).do(request{host: crmHost, path: prefix + "/api/session"})
		}, http.StatusInternalServerError, "internal_error"},
	}
	for _, tt := range tests {
		series := `gatehouse_http_errors_total{code="` + tt.code + `"}`
		before := metricValue(t, h, series)
		store.panics.Store(tt.panics)
		r := tt.send(h.newClient(t))
		store.panics.Store(false)
		if r.status != tt.status {
			t.Errorf("%s: %d, want %d", tt.name, r.status, tt.status)
		}
		if got := metricValue(t, h, series) - before; got != 1 {
			t.Errorf("%s: %s moved by %v, want 1", tt.name, series, got)
		}
	}
}
