package auth_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

func TestRegulator(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	r := auth.NewRegulator(memstore.New(clock), auth.RegulationConfig{MaxFailures: 3, FindTime: 10 * time.Minute, BanTime: 15 * time.Minute})

	for i := 1; i <= 2; i++ {
		if banned, err := r.Fail(ctx, "alice", "192.0.2.1"); banned || err != nil {
			t.Fatalf("failure %d: banned=%v err=%v", i, banned, err)
		}
	}
	if err := r.Check(ctx, "alice", "192.0.2.1"); err != nil {
		t.Fatalf("banned before max_failures: %v", err)
	}
	if banned, _ := r.Fail(ctx, "Alice", "192.0.2.9"); !banned {
		t.Fatal("third failure (name in another case) did not ban the user")
	}
	err := r.Check(ctx, "alice", "198.51.100.7")
	var rl *auth.RateLimitError
	if !errors.Is(err, auth.ErrBanned) || !errors.As(err, &rl) || rl.RetryAfter != 15*time.Minute {
		t.Fatalf("Check after ban = %v, want ErrBanned with 15m", err)
	}
	if err := r.Check(ctx, "bob", "192.0.2.1"); err != nil {
		t.Fatalf("bob from alice's IP (2 failures) is banned: %v", err)
	}
	clock.Advance(15*time.Minute + time.Second)
	if err := r.Check(ctx, "alice", "192.0.2.1"); err != nil {
		t.Fatalf("ban outlived ban_time: %v", err)
	}

	// Failures outside find_time do not add up.
	r.Fail(ctx, "carol", "")
	r.Fail(ctx, "carol", "")
	clock.Advance(11 * time.Minute)
	if banned, _ := r.Fail(ctx, "carol", ""); banned {
		t.Fatal("failures older than find_time counted")
	}
	// Success resets the user's count.
	r.Fail(ctx, "dave", "")
	r.Fail(ctx, "dave", "")
	r.Succeed(ctx, "dave")
	if banned, _ := r.Fail(ctx, "dave", ""); banned {
		t.Fatal("count not reset by success")
	}
	// An IP spraying many users is banned too, at IPFactor × max_failures.
	for i := 0; i < 3*auth.IPFactor-1; i++ {
		r.Fail(ctx, fmt.Sprint("u", i), "203.0.113.5")
	}
	if err := r.Check(ctx, "someone-else", "203.0.113.5"); err != nil {
		t.Fatalf("IP banned before %d failures: %v", 3*auth.IPFactor, err)
	}
	r.Fail(ctx, "last", "203.0.113.5")
	if err := r.Check(ctx, "someone-else", "203.0.113.5"); !errors.Is(err, auth.ErrBanned) {
		t.Fatalf("spraying IP not banned: %v", err)
	}
}
