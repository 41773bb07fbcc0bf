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

// TestSignupRefusesCheaplyAndPerClient: a sign-up for a username, email or
// phone an account has is refused before any hashing (a flood of them
// held every hashing slot and slowed logins six-fold), and one client
// address gets at most 10 sign-ups an hour (429 with Retry-After).
func TestSignupRefusesCheaplyAndPerClient(t *testing.T) {
	t.Parallel()
	hasher := &countingHasher{}
	h := newHarness(t, withAccounts, setup{hasher: hasher, edit: func(cfg *config.Config, _ string) {
		cfg.Users.Backend = "redis"
		cfg.Users.Signup.Enabled = true
		cfg.Users.Signup.PerClientPerHour = 10
	}})
	c := h.newClient(t)
	for _, tc := range []struct{ field, username, email, phone string }{
		{"username", "alice", "new1@example.com", "+12015550171"},
		{"email", "newcomer1", alice.email, "+12015550172"},
		{"phone", "newcomer2", "new2@example.com", alice.phone},
	} {
		r := c.api(appHost, "signup", map[string]string{"username": tc.username, "email": tc.email, "phone": tc.phone, "password": "a long enough passphrase"})
		r.wantError(t, http.StatusConflict, "already_exists")
	}
	if n := hasher.n.Load(); n != 0 {
		t.Fatalf("%d passwords hashed for sign-ups that were refused as taken", n)
	}
	for i := 0; i < 10; i++ {
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
	if n := hasher.n.Load(); n != 10 {
		t.Errorf("%d passwords hashed, want 10 (none for the refused one)", n)
	}
}
