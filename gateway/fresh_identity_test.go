package gateway_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/config"
)

// freshHost has a password route with max_auth_age.
const freshHost = "fresh.example.com"

// TestIdentitySaysOnlyTheProofsTheRouteCounts checks docs/contract.md,
// "Identity headers": on a route with max_auth_age, the methods the app
// is told (X-Auth-Methods and the assertion's amr) are those proved
// within it, the ones the route's decision counted. Before, every method
// the session had ever proved was said: a session whose text-message
// code was hours old and whose password was typed again a moment ago
// reached a max_auth_age route as "pwd,sms" with amr "mfa", so an app
// that asks for two factors by amr on a page that must be fresh took a
// password alone for them.
func TestIdentitySaysOnlyTheProofsTheRouteCounts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, setup{edit: func(cfg *config.Config, up string) {
		cfg.Routes = append(cfg.Routes, config.Route{Name: "fresh", Host: freshHost, PathPrefix: "/", Upstream: up, Policy: "password", MaxAuthAge: 5 * time.Minute})
	}})
	c := h.newClient(t)
	c.signIn(crmHost, bob)            // pwd and sms, now
	h.clock.Advance(20 * time.Minute) // older than the fresh route's 5 minutes, within idle_timeout
	c.signIn(freshHost, bob)          // the password again: a fresh pwd, the sms of 20 minutes ago kept
	ask := []struct {
		name string
		do   func() (int, http.Header)
	}{
		{"proxy mode", func() (int, http.Header) {
			r := c.get(freshHost, "/report")
			if r.status != http.StatusOK {
				return r.status, nil
			}
			return r.status, h.up.last(t).Header
		}},
		{"auth-request", func() (int, http.Header) {
			r := c.nginx("https://"+freshHost+"/report", "GET", nil)
			return r.status, r.header
		}},
		{"forward-auth", func() (int, http.Header) {
			r := c.traefik("https", freshHost, "/report", "GET", "")
			return r.status, r.header
		}},
	}
	for _, a := range ask {
		t.Run(a.name, func(t *testing.T) {
			status, hdr := a.do()
			if status != http.StatusOK {
				t.Fatalf("status %d, want 200 (the password is fresh)", status)
			}
			if got := hdr.Get("X-Auth-Methods"); got != "pwd" {
				t.Errorf("X-Auth-Methods = %q, want %q: the code is older than max_auth_age", got, "pwd")
			}
			if claims := h.verify(t, hdr.Get("X-Auth-Assertion"), "fresh"); !slices.Equal(claims.AMR, []string{"pwd"}) {
				t.Errorf("amr = %v, want [pwd]", claims.AMR)
			}
		})
	}
	// Where no max_auth_age says otherwise, every method proved counts
	// and is said, as before.
	c.get(crmHost, "/deals").wantStatus(t, http.StatusOK)
	seen := h.up.last(t).Header
	if got := seen.Get("X-Auth-Methods"); got != "pwd,sms" {
		t.Errorf("crm: X-Auth-Methods = %q, want pwd,sms", got)
	}
	if claims := h.verify(t, seen.Get("X-Auth-Assertion"), "crm"); !slices.Equal(claims.AMR, []string{"pwd", "sms", "mfa"}) {
		t.Errorf("crm: amr = %v, want [pwd sms mfa]", claims.AMR)
	}
}
