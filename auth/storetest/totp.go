package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/pquerna/otp/totp"
)

// totpKey encrypts the suite's authenticator secrets (32 bytes).
var totpKey = []byte("storetest totp secret key 32 by!")

// authenticatorCodes runs the authenticator-app service on the store
// (docs/contract.md, "Authenticator apps"): an app set up with one code,
// and a code used by 8 concurrent sign-ins, of which exactly one wins;
// the same code again is refused.
func (s suite) authenticatorCodes(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	apps, err := auth.NewTOTP(st, recoveryKey, totpKey, "Suite", nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := apps.Begin(ctx, "alice", "session-1")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	first, err := totp.GenerateCode(e.Secret, now)
	if err != nil {
		t.Fatal(err)
	}
	// Another session neither sees nor confirms it.
	if _, err := apps.Pending(ctx, "alice", "session-2"); !errors.Is(err, auth.ErrTOTPNotEnrolled) {
		t.Fatalf("Pending of another session: %v, want ErrTOTPNotEnrolled", err)
	}
	if err := apps.Confirm(ctx, "alice", "session-2", first); !errors.Is(err, auth.ErrTOTPNotEnrolled) {
		t.Fatalf("Confirm by another session: %v, want ErrTOTPNotEnrolled", err)
	}
	if err := apps.Confirm(ctx, "alice", "session-1", first); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	if ok, err := apps.Enrolled(ctx, "alice"); err != nil || !ok {
		t.Fatalf("Enrolled after Confirm = %v, %v", ok, err)
	}
	next, err := totp.GenerateCode(e.Secret, now.Add(auth.TOTPPeriod))
	if err != nil {
		t.Fatal(err)
	}
	results := concurrently(8, func(int) (bool, error) {
		err := apps.Check(ctx, "alice", next)
		if errors.Is(err, auth.ErrTOTPInvalid) {
			return false, nil
		}
		return err == nil, err
	})
	if n := countTrue(t, results); n != 1 {
		t.Fatalf("one app code used concurrently 8 times: %d uses succeeded, want 1", n)
	}
	if err := apps.Check(ctx, "alice", first); !errors.Is(err, auth.ErrTOTPInvalid) {
		t.Fatalf("the enrolment's code after a later one: %v, want ErrTOTPInvalid", err)
	}
	if err := apps.Remove(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if err := apps.Check(ctx, "alice", next); !errors.Is(err, auth.ErrTOTPNotEnrolled) {
		t.Fatalf("Check after Remove: %v, want ErrTOTPNotEnrolled", err)
	}
}
