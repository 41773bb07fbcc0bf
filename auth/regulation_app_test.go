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

// TestAppCodesCountApart: wrong authenticator-app codes form a run of
// the app's own (docs/contract.md, "Regulation"): the account's
// sign-ins and right passwords, which end its own run, leave it; at
// max_account_failures in a row the app's codes are locked and the
// account is not; a right app code forgets the run, and an
// administrator's unban (Lift) ends the lock.
func TestAppCodesCountApart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	cfg := auth.RegulationConfig{MaxFailures: 5, FindTime: 10 * time.Minute, BanTime: 15 * time.Minute, MaxAccountFailures: 12, AccountLockTime: 24 * time.Hour}
	r := auth.NewRegulator(memstore.New(clock), regKey, cfg)
	guess := func(n int) {
		t.Helper()
		for range n {
			if err := r.CheckFactor(ctx, auth.FactorApp, "alice"); err != nil {
				t.Fatalf("app codes refused before the lock: %v", err)
			}
			if _, err := r.FailFactor(ctx, auth.FactorApp, "alice"); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Fail(ctx, "alice", "198.51.100.7"); err != nil {
				t.Fatal(err)
			}
		}
		// The password signs in alone between rounds.
		if err := r.Succeed(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		if err := r.SignedIn(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(cfg.FindTime + time.Second)
	}
	guess(4)
	guess(4)
	if err := r.FactorSucceeded(ctx, auth.FactorApp, "alice"); err != nil { // the owner's right code
		t.Fatal(err)
	}
	guess(4)
	guess(4)
	guess(3)
	if err := r.CheckFactor(ctx, auth.FactorApp, "alice"); err != nil {
		t.Fatalf("11 in a row: %v", err)
	}
	if _, err := r.FailFactor(ctx, auth.FactorApp, "alice"); err != nil {
		t.Fatal(err)
	}
	var rl *auth.RateLimitError
	if err := r.CheckFactor(ctx, auth.FactorApp, "alice"); !errors.As(err, &rl) || rl.Reason != auth.ReasonLocked || rl.RetryAfter <= cfg.BanTime {
		t.Fatalf("12 in a row: %v, want the app locked for account_lock_time", err)
	}
	if err := r.Check(ctx, "alice", ""); err != nil {
		t.Fatalf("the account itself: %v, want free", err)
	}
	if err := r.CheckFactor(ctx, auth.FactorApp, "bob"); err != nil {
		t.Fatalf("another account's app: %v", err)
	}
	if lifted, err := r.Lift(ctx, "alice", ""); err != nil || !lifted {
		t.Fatalf("Lift = %v, %v", lifted, err)
	}
	if err := r.CheckFactor(ctx, auth.FactorApp, "alice"); err != nil {
		t.Fatalf("after the unban: %v", err)
	}
}
