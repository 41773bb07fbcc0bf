package gateway_test

import (
	"net/http"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// withoutSMSRoutes drops every route with the sms policy.
func withoutSMSRoutes(cfg *config.Config, _ string) {
	var rs []config.Route
	for _, r := range cfg.Routes {
		if r.Policy != "sms" {
			rs = append(rs, r)
		}
	}
	cfg.Routes = rs
}

// TestPasswordlessOnlyWhereEnabled: where no route has the sms policy and
// users.passwordless is off, a code-only sign-in for a real account's
// number is 404 and texts nothing (anyone could otherwise spend the
// account's send quota); users.passwordless turns it on.
func TestPasswordlessOnlyWhereEnabled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		edit    func(*config.Config, string)
		status  int
		smsSent int
	}{
		{"no sms route", withoutSMSRoutes, http.StatusNotFound, 0},
		{"users.passwordless", func(cfg *config.Config, up string) {
			withoutSMSRoutes(cfg, up)
			cfg.Users.Passwordless = true
		}, http.StatusOK, 1},
		{"an sms route", nil, http.StatusOK, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, setup{edit: tc.edit})
			c := h.newClient(t)
			r := c.api(appHost, "sms/start", map[string]string{"phone": alice.phone})
			if tc.status == http.StatusNotFound {
				r.wantError(t, http.StatusNotFound, "passwordless_disabled")
			} else {
				r.wantStatus(t, tc.status)
			}
			if n := h.sms.count(t); n != tc.smsSent {
				t.Errorf("%d SMS sent, want %d", n, tc.smsSent)
			}
			// The portal's phone form is the same door.
			if tc.status == http.StatusNotFound {
				pr := c.form(appHost, "/login", map[string][]string{"mode": {"phone"}, "phone": {alice.phone}})
				if pr.status != http.StatusNotFound || h.sms.count(t) != 0 {
					t.Errorf("portal phone form: %d, %d SMS; want 404 and none", pr.status, h.sms.count(t))
				}
			}
		})
	}
}
