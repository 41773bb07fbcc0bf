package storetest

import (
	"errors"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// recoveryKey names the recovery code keys of the suite's stores.
var recoveryKey = []byte("storetest recovery key, 32 bytes")

// recoveryCodes runs the recovery code service on the store
// (docs/contract.md, "Recovery codes"): a set of codes each usable once,
// also when one code is tried concurrently; a new set kills the old; an
// issued code works once beside the set and dies with Forget; counts are
// right.
func (s suite) recoveryCodes(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	r := auth.NewRecovery(st, recoveryKey, nil)
	if got, err := r.Status(ctx, "alice"); err != nil || got.Made || got.Offered {
		t.Fatalf("Status before any set = %+v, %v; want nothing", got, err)
	}
	codes, err := r.Generate(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != auth.RecoveryCodeCount {
		t.Fatalf("Generate made %d codes, want %d", len(codes), auth.RecoveryCodeCount)
	}
	if _, err := r.Use(ctx, "bob", codes[0]); !errors.Is(err, auth.ErrRecoveryCodeInvalid) {
		t.Fatalf("alice's code used for bob: %v, want ErrRecoveryCodeInvalid", err)
	}
	results := concurrently(8, func(int) (bool, error) {
		_, err := r.Use(ctx, "alice", codes[0])
		if errors.Is(err, auth.ErrRecoveryCodeInvalid) {
			return false, nil
		}
		return err == nil, err
	})
	if n := countTrue(t, results); n != 1 {
		t.Fatalf("one code used concurrently 8 times: %d uses succeeded, want 1", n)
	}
	if got, err := r.Status(ctx, "alice"); err != nil || !got.Made || got.Left != auth.RecoveryCodeCount-1 {
		t.Fatalf("Status after one use = %+v, %v; want %d left", got, err, auth.RecoveryCodeCount-1)
	}
	issued, err := r.Issue(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := r.Generate(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Use(ctx, "alice", codes[1]); !errors.Is(err, auth.ErrRecoveryCodeInvalid) {
		t.Fatalf("a code of the old set after a new one: %v, want ErrRecoveryCodeInvalid", err)
	}
	if spent, err := r.Use(ctx, "alice", issued); err != nil || !spent.Issued {
		t.Fatalf("issued code: issued=%v err=%v, want it to work (a new set does not kill it)", spent.Issued, err)
	}
	if _, err := r.Use(ctx, "alice", issued); !errors.Is(err, auth.ErrRecoveryCodeInvalid) {
		t.Fatalf("issued code twice: %v, want ErrRecoveryCodeInvalid", err)
	}
	if spent, err := r.Use(ctx, "alice", fresh[9]); err != nil || spent.Issued {
		t.Fatalf("a code of the new set: issued=%v err=%v", spent.Issued, err)
	}
	if got, err := r.Status(ctx, "alice"); err != nil || got.Left != auth.RecoveryCodeCount-1 {
		t.Fatalf("Status of the new set after one use = %+v, %v", got, err)
	}
	// Forgetting an account (deleted by an administrator) kills a code
	// issued to it, so the account that next takes the name inherits
	// nothing; codes issued afterwards work.
	stale, err := r.Issue(ctx, "dave")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Forget(ctx, "dave"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Use(ctx, "dave", stale); !errors.Is(err, auth.ErrRecoveryCodeInvalid) {
		t.Fatalf("a code issued before Forget: %v, want ErrRecoveryCodeInvalid", err)
	}
	anew, err := r.Issue(ctx, "dave")
	if err != nil {
		t.Fatal(err)
	}
	if spent, err := r.Use(ctx, "dave", anew); err != nil || !spent.Issued {
		t.Fatalf("a code issued after Forget: issued=%v err=%v, want it to work", spent.Issued, err)
	}
	if first, err := r.MarkOffered(ctx, "carol"); err != nil || !first {
		t.Fatalf("MarkOffered(carol) = %v, %v; want the first offer", first, err)
	}
	if again, err := r.MarkOffered(ctx, "carol"); err != nil || again {
		t.Fatalf("MarkOffered(carol) twice = %v, %v; want false", again, err)
	}
	if again, err := r.MarkOffered(ctx, "alice"); err != nil || again {
		t.Fatalf("MarkOffered(alice) with a set = %v, %v; want false", again, err)
	}
}
