package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-auth/gatehouse/config"
)

// countingHasher counts the new-password hashes it makes.
type countingHasher struct{ n atomic.Int64 }

func (h *countingHasher) Hash(ctx context.Context, password string) (string, error) {
	h.n.Add(1)
	return testHasher.Hash(ctx, password)
}

// TestSignupRefusesCheaplyAndPerClient: a sign-up for a username an
// account has is refused before any hashing (a flood of sign-ups held
// every hashing slot and slowed logins six-fold); one client address gets
// at most 10 sign-ups an hour (429 with Retry-After), whatever they are
// for, so "that username is taken" cannot be asked for at will.
func TestSignupRefusesCheaplyAndPerClient(t *testing.T) {
	t.Parallel()
	hasher := &countingHasher{}
	h := newHarness(t, withAccounts, setup{hasher: hasher, edit: func(cfg *config.Config, _ string) {
		cfg.Users.Backend = "redis"
		cfg.Users.Signup.Enabled = true
		cfg.Users.Signup.PerClientPerHour = 10
	}})
	c := h.newClient(t)
	c.api(appHost, "signup", map[string]string{"username": "alice", "email": "new1@example.com", "phone": "+12015550171", "password": "a long enough passphrase"}).
		wantError(t, http.StatusConflict, "already_exists")
	if n := hasher.n.Load(); n != 0 {
		t.Fatalf("%d passwords hashed for a sign-up refused as a taken username", n)
	}
	for i := 0; i < 9; i++ {
		r := c.api(appHost, "signup", map[string]string{
			"username": fmt.Sprintf("flood%d", i), "email": fmt.Sprintf("flood%d@example.com", i),
			"phone": fmt.Sprintf("+120155502%02d", i), "password": "a long enough passphrase",
		})
		r.wantStatus(t, http.StatusCreated)
	}
	r := c.api(appHost, "signup", map[string]string{"username": "flood10", "email": "flood10@example.com", "phone": "+12015550299", "password": "a long enough passphrase"})
	r.wantError(t, http.StatusTooManyRequests, "rate_limited")
	if r.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	c.api(appHost, "signup", map[string]string{"username": "alice", "email": "x@example.com", "phone": "+12015550298", "password": "a long enough passphrase"}).
		wantError(t, http.StatusTooManyRequests, "rate_limited")
	if n := hasher.n.Load(); n != 9 {
		t.Errorf("%d passwords hashed, want 9 (none for the refused ones)", n)
	}
}

// TestIPv6SiteSharesTheSignupLimit: one holder of an IPv6 /48 (a tunnel
// broker gives one away; 65,536 /64s) signs up from a new /64 each.
// Before, the sign-up limit counted each /64 as a client of its own, so
// the /48 had 65,536 limits: every sign-up was 201 and cost a password
// hash. A /48 is one site and shares auth.IPv6SiteShare clients'
// limits; a /64 keeps its own, a sign-up one of them refuses takes
// nothing of the other, and another /48 is not held up (docs/contract.md,
// "Sign-up").
func TestIPv6SiteSharesTheSignupLimit(t *testing.T) {
	t.Parallel()
	const perClient = 2
	hasher := &countingHasher{}
	h := newHarness(t, withAccounts, setup{hasher: hasher, edit: func(cfg *config.Config, _ string) {
		cfg.Users.Backend = "redis"
		cfg.Users.Signup.Enabled = true
		cfg.Users.Signup.PerClientPerHour = perClient
	}})
	asks := siteAsks(0x66, perClient, http.StatusCreated)
	want := int64(0)
	for i, a := range asks {
		// Numbers in ranges of their own: no cap of otp.budget in the way.
		r := h.newClient(t).apiFrom(a.ip, appHost, "signup", map[string]string{
			"username": fmt.Sprintf("site%d", i), "email": fmt.Sprintf("site%d@example.com", i),
			"phone": fmt.Sprintf("+1201%03d0100", 300+i), "password": "a long enough passphrase",
		})
		if r.status != a.want {
			t.Fatalf("%s (%s): %d %s, want %d", a.name, a.ip, r.status, r.body, a.want)
		}
		if a.want == http.StatusTooManyRequests {
			r.wantError(t, a.want, "rate_limited")
			if r.header.Get("Retry-After") == "" {
				t.Errorf("%s: no Retry-After", a.name)
			}
		} else {
			want++
		}
	}
	if n := hasher.n.Load(); n != want {
		t.Errorf("%d passwords hashed, want %d (none for the refused sign-ups)", n, want)
	}
}
