package auth_test

import (
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// TestSessionLimitEndsDeadSessionsFirst checks docs/contract.md,
// "Sessions per account": a session the lifetimes in force have ended
// already (a remembered one past absolute_timeout once a reload turned
// remember-me off or shortened it, whose store key still lives) is ended
// before any live one when a sign-in goes past session.max_per_account,
// whatever it proved. Before, it counted as live and by its proofs: a
// dead remembered two-factor session outranked the person's live
// password sign-in, and the limit signed the person out to keep it.
func TestSessionLimitEndsDeadSessionsFirst(t *testing.T) {
	ctx := t.Context()
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	store := memstore.New(clock)
	before := auth.SessionConfig{IdleTimeout: 24 * time.Hour, AbsoluteTimeout: 12 * time.Hour, RememberMe: 720 * time.Hour, MaxPerUser: 2}
	cases := []struct {
		name  string
		after auth.SessionConfig
	}{
		{"remember_me turned off", auth.SessionConfig{IdleTimeout: 24 * time.Hour, AbsoluteTimeout: 12 * time.Hour, MaxPerUser: 2}},
		{"remember_me shortened", auth.SessionConfig{IdleTimeout: 24 * time.Hour, AbsoluteTimeout: 12 * time.Hour, RememberMe: time.Hour, MaxPerUser: 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			user := "alice-" + tc.name
			// Remembered, with the password and the phone's code.
			dead := login(t, auth.NewSessions(store, before, clock, nil), user, true)
			if err := auth.NewSessions(store, before, clock, nil).AddProof(ctx, dead, account(user), auth.MethodSMS, auth.SignIn{}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(14 * time.Hour)
			reloaded := auth.NewSessions(store, tc.after, clock, nil)
			if _, err := reloaded.Load(ctx, dead.ID); err == nil {
				t.Fatal("the remembered session still loads under the reloaded lifetimes")
			}
			live := login(t, reloaded, user, false)
			clock.Advance(time.Minute)
			login(t, reloaded, user, false) // one more than the limit, with the dead one
			if _, err := reloaded.Load(ctx, live.ID); err != nil {
				t.Errorf("the person's live session was ended by the limit while a dead one was kept: %v", err)
			}
		})
	}
}
