package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// TestReloadedLifetimesBindSignedInSessions checks docs/contract.md,
// "Reload": session lifetimes shortened by a reload (a new generation's
// Sessions on the same store) bind the sessions already signed in, as
// they bind new ones. Before, a session kept the deadline it was given at
// sign-in: an operator who, fearing stolen cookies, turned remember-me
// off or cut absolute_timeout and reloaded left every remembered cookie
// valid for its 30 days. Unchanged lifetimes end no session early.
func TestReloadedLifetimesBindSignedInSessions(t *testing.T) {
	before := auth.SessionConfig{IdleTimeout: 24 * time.Hour, AbsoluteTimeout: 12 * time.Hour, RememberMe: 720 * time.Hour}
	cases := []struct {
		name     string
		remember bool
		after    auth.SessionConfig
		elapsed  time.Duration
		alive    bool
	}{
		{"absolute_timeout shortened", false, auth.SessionConfig{IdleTimeout: 24 * time.Hour, AbsoluteTimeout: time.Hour, RememberMe: 720 * time.Hour}, 2 * time.Hour, false},
		{"remember_me shortened", true, auth.SessionConfig{IdleTimeout: 24 * time.Hour, AbsoluteTimeout: 12 * time.Hour, RememberMe: 24 * time.Hour}, 48 * time.Hour, false},
		{"remember_me turned off", true, auth.SessionConfig{IdleTimeout: 24 * time.Hour, AbsoluteTimeout: 12 * time.Hour}, 13 * time.Hour, false},
		{"unchanged", false, before, 11 * time.Hour, true},
		{"unchanged, remembered", true, before, 719 * time.Hour, true},
		{"lengthened", false, auth.SessionConfig{IdleTimeout: 24 * time.Hour, AbsoluteTimeout: 20 * time.Hour, RememberMe: 720 * time.Hour}, 11 * time.Hour, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
			store := memstore.New(clock)
			s := login(t, auth.NewSessions(store, before, clock, nil), "alice", tc.remember)
			clock.Advance(tc.elapsed)
			reloaded := auth.NewSessions(store, tc.after, clock, nil)
			_, err := reloaded.Load(ctx, s.ID)
			switch {
			case tc.alive && err != nil:
				t.Fatalf("after %s the session is refused: %v", tc.elapsed, err)
			case !tc.alive && !errors.Is(err, auth.ErrSessionNotFound):
				t.Fatalf("after %s under the reloaded lifetimes the session still loads (err %v)", tc.elapsed, err)
			}
		})
	}
}
