package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
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

// sessionWrites is a memory store that counts the sessions written.
type sessionWrites struct {
	*memstore.Store
	n atomic.Int64
}

func (s *sessionWrites) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if strings.HasPrefix(key, auth.SessionKeyPrefix) {
		s.n.Add(1)
	}
	return s.Store.Set(ctx, key, value, ttl)
}

// TestRefusedPasswordlessStartTellsNothingAndKeepsNothing: a code-only
// sign-in or a sign-up whose send is refused (here otp.budget's day is
// spent) answers a real account's number exactly as an unknown one (a
// sign-up: a taken number as a free one): the same status, no new
// session cookie for a client without a session, the same state left
// for one that had a session (its next code answers alike), and no
// session written for a client without one. Before, the portal's phone
// form gave a real number's refusal a session cookie and an unknown
// one's none, and a session waiting for a code had it dropped for a
// real number (a free one at sign-up) only: its next code then answered
// 400 no_pending_code, the other's 401 code_expired. Either told, once a
// limit refused them and without a text, which numbers have accounts;
// and every refusal for a real number wrote a session nobody would ever
// hold, keys without bound.
func TestRefusedPasswordlessStartTellsNothingAndKeepsNothing(t *testing.T) {
	t.Parallel()
	st := &sessionWrites{Store: memstore.New(nil)}
	h := newHarness(t, withAccounts, setup{
		store: func(*testing.T) auth.Store { return st },
		edit: func(cfg *config.Config, _ string) {
			cfg.OTP.Budget.PerDay = 6
		},
	})
	const unknown = "+12015550199"
	signups := 0
	doors := []struct {
		name string
		ask  func(c *client, phone string) reply
	}{
		{"portal", func(c *client, phone string) reply {
			return c.form(appHost, "/login", url.Values{"mode": {"phone"}, "phone": {phone}})
		}},
		{"api", func(c *client, phone string) reply {
			return c.api(appHost, "sms/start", map[string]string{"phone": phone})
		}},
		{"sign-up", func(c *client, phone string) reply {
			signups++
			name := fmt.Sprintf("probe%d", signups)
			return c.api(appHost, "signup", map[string]string{"username": name, "email": name + "@example.net",
				"phone": phone, "password": "a long enough passphrase"})
		}},
	}
	// Clients waiting for a code (on numbers no account has, so nothing
	// is texted) spend the day's anonymous sends.
	waiting := map[string]*client{}
	for i, door := range doors {
		for j, phone := range []string{alice.phone, unknown} {
			c := h.newClient(t)
			c.api(appHost, "sms/start", map[string]string{"phone": fmt.Sprintf("+120155501%d%d", 8-i, j)}).wantStatus(t, http.StatusOK)
			waiting[door.name+phone] = c
		}
	}
	before := st.n.Load()
	type answer struct {
		status    int
		setCookie bool
		next      string // the error code of a code typed next
	}
	for _, door := range doors {
		for _, held := range []bool{false, true} {
			got := map[string]answer{}
			for _, phone := range []string{alice.phone, unknown} {
				c := h.newClient(t)
				if held {
					c = waiting[door.name+phone]
				}
				r := door.ask(c, phone)
				a := answer{status: r.status, setCookie: r.setCookie(h.cfg.Session.CookieName) != nil}
				if held {
					a.next = c.api(appHost, "otp", map[string]string{"code": "123456"}).errorCode(t)
				}
				got[phone] = a
			}
			name := fmt.Sprintf("%s, session held %v", door.name, held)
			if got[alice.phone] != got[unknown] {
				t.Errorf("%s: a real number's refusal %+v, an unknown one's %+v; want alike", name, got[alice.phone], got[unknown])
			}
			if a := got[alice.phone]; a.status != http.StatusServiceUnavailable || (!held && a.setCookie) {
				t.Errorf("%s: %+v, want 503 (sms_budget_exhausted) and no new session", name, a)
			}
		}
	}
	if n := st.n.Load() - before; n != 0 {
		t.Errorf("refused starts wrote %d new sessions, want none", n)
	}
	if n := h.sms.count(t); n != 0 {
		t.Errorf("%d SMS sent, want none", n)
	}
}
