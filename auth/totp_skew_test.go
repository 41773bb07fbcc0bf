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

// skewedClock is a replica's clock: the store's time, off by off.
type skewedClock struct {
	store *storetest.Clock
	off   time.Duration
}

func (c skewedClock) Now() time.Time { return c.store.Now().Add(c.off) }

// replicaSkews are how far the other replica's clock is off in the
// replica-clock tests: either way, up to TOTPMaxReplicaSkew.
var replicaSkews = []time.Duration{
	-auth.TOTPMaxReplicaSkew, -5 * time.Minute, -2 * time.Minute, -31 * time.Second,
	31 * time.Second, 2 * time.Minute, auth.TOTPMaxReplicaSkew,
}

// twoReplicas is alice's authenticator app enrolled through one replica
// (first) of two sharing a memory store, the other's clock off by off,
// three steps after the enrolment's: the store's clock, both replicas
// and the app's secret.
func twoReplicas(t *testing.T, off time.Duration) (*storetest.Clock, *auth.TOTP, *auth.TOTP, string) {
	t.Helper()
	ctx := context.Background()
	// A step's start: a code is accepted by the first replica from its
	// earliest moment.
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC))
	store := memstore.New(clock)
	replica := func(off time.Duration) *auth.TOTP {
		t.Helper()
		app, err := auth.NewTOTP(store, []byte("totp-names-key-0123456789abcdef!"), []byte("0123456789abcdef0123456789abcdef"), "Acme", skewedClock{clock, off})
		if err != nil {
			t.Fatal(err)
		}
		return app
	}
	first, other := replica(0), replica(off)
	e, err := first.Begin(ctx, "alice", "enrol")
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Confirm(ctx, "alice", "enrol", appCode(t, e.Secret, clock.Now())); err != nil {
		t.Fatal(err)
	}
	clock.Advance(3 * auth.TOTPPeriod)
	return clock, first, other, e.Secret
}

// TestTOTPCodeNotReplayedAcrossReplicaClocks: two gateway replicas share
// one store, their clocks apart (containers on hosts without NTP drift
// minutes apart). Alice signs in through one with her app's code; an
// attacker who saw it types it through the other, again and again, for
// twelve minutes. A replica whose clock is behind accepts her step until
// its own clock leaves the step's window, long after the other's. Before,
// the step's claim lived 2 minutes of the store's time, and the replica
// more than about 30 s behind accepted the code again once it expired.
// Replicas whose clocks are up to TOTPMaxReplicaSkew apart never accept
// a code twice (docs/contract.md, "Authenticator apps").
func TestTOTPCodeNotReplayedAcrossReplicaClocks(t *testing.T) {
	t.Parallel()
	for _, off := range replicaSkews {
		t.Run(fmt.Sprint(off), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clock, first, other, secret := twoReplicas(t, off)
			// Her phone runs a step ahead of the first replica: the code
			// is of the last step it still accepts the longest.
			code := appCode(t, secret, clock.Now().Add(auth.TOTPPeriod))
			if err := first.Check(ctx, "alice", code); err != nil {
				t.Fatalf("alice's code: %v", err)
			}
			for waited := time.Duration(0); waited <= 12*time.Minute; waited += time.Second {
				for name, app := range map[string]*auth.TOTP{"the same replica": first, "the other replica": other} {
					if err := app.Check(ctx, "alice", code); !errors.Is(err, auth.ErrTOTPInvalid) {
						t.Fatalf("alice's code again through %s, its clock %v off, %v later: %v, want ErrTOTPInvalid", name, off, waited, err)
					}
				}
				clock.Advance(time.Second)
			}
		})
	}
}

// TestTOTPOlderCodeRefusedAcrossReplicaClocks: two gateway replicas share
// one store, their clocks apart. An attacker saw alice's code of one step
// on her phone; she waited for the next and signed in with that one
// through the replica on time. A code older than one accepted is refused
// (the accepted steps of an account strictly increase), through any
// replica, for as long as the attacker tries. Before, a replica whose
// clock was behind looked for later claims only within its own window,
// and accepted the older code once its clock reached its step: through
// one 31 s, 2, 5 or 8 minutes behind (docs/contract.md, "Authenticator
// apps").
func TestTOTPOlderCodeRefusedAcrossReplicaClocks(t *testing.T) {
	t.Parallel()
	for _, off := range replicaSkews {
		t.Run(fmt.Sprint(off), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clock, first, other, secret := twoReplicas(t, off)
			seen := appCode(t, secret, clock.Now())
			clock.Advance(auth.TOTPPeriod)
			if err := first.Check(ctx, "alice", appCode(t, secret, clock.Now())); err != nil {
				t.Fatalf("alice's next code: %v", err)
			}
			// Through the other replica only: a refused try through the
			// first claims the older step, which would hide what the other
			// does.
			for waited := time.Duration(0); waited <= 12*time.Minute; waited += time.Second {
				if err := other.Check(ctx, "alice", seen); !errors.Is(err, auth.ErrTOTPInvalid) {
					t.Fatalf("the older code through the other replica, its clock %v off, %v later: %v, want ErrTOTPInvalid", off, waited, err)
				}
				clock.Advance(time.Second)
			}
		})
	}
}
