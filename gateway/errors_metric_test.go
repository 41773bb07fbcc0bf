package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
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

// TestServerErrorsAreCounted: every answer of 500 or more the portal
// and its API give, by their error code, is counted in
// gatehouse_http_errors_total (docs/operations.md, "Metrics"), so that
// an operator can alert on sign-ins refused 503 `overloaded` (the
// password hashing capacity spent) as on any other. Before, an overload
// was only a log line: no metric moved.
func TestServerErrorsAreCounted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{loginHasher: overloadedChecker{}})
	tests := []struct {
		name string
		send func(c *client) reply
	}{
		{"API sign-in", func(c *client) reply {
			return c.api(crmHost, "login", map[string]string{"username": alice.name, "password": alice.password})
		}},
		{"page sign-in", func(c *client) reply {
			return c.form(crmHost, "/login", url.Values{"username": {alice.name}, "password": {alice.password}})
		}},
		{"a name no account has", func(c *client) reply {
			return c.api(crmHost, "login", map[string]string{"username": "nobody", "password": "whatever"})
		}},
	}
	const series = `gatehouse_http_errors_total{code="overloaded"}`
	for _, tt := range tests {
		before := metricValue(t, h, series)
		r := tt.send(h.newClient(t))
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("%s with hashing overloaded: %d, want 503", tt.name, r.status)
		}
		if got := metricValue(t, h, series) - before; got != 1 {
			t.Errorf("%s: %s moved by %v, want 1", tt.name, series, got)
		}
	}
}
