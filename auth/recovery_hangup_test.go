package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// hangUpStore is a setReadStore whose client hangs up once a new record
// of recovery codes is written: it cancels the request's context right
// after the swap of an account's record ("rc:" and a name) lands, and,
// as Redis does, refuses every later call made with a cancelled context.
type hangUpStore struct {
	*setReadStore
	hangUp context.CancelFunc
}

func (s *hangUpStore) CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	ok, err := s.setReadStore.CompareAndSwap(ctx, key, old, value, ttl)
	if ok && s.hangUp != nil && strings.HasPrefix(key, "rc:") && strings.Count(key, ":") == 1 {
		s.hangUp()
	}
	return ok, err
}

func (s *hangUpStore) Delete(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	return s.setReadStore.Delete(ctx, key)
}

// TestNewRecoveryCodesLeaveNoOldCodesOnHangUp: a person makes a new set
// of recovery codes and their browser hangs up just as the new set is
// recorded. The old set's codes are dead from that moment, and their keys
// (kept for good, like every code of a set) must go all the same. Before,
// they were deleted with the request's context, so a hang-up at that
// moment left ten keys in the store for ever, one batch per hang-up.
func TestNewRecoveryCodesLeaveNoOldCodesOnHangUp(t *testing.T) {
	clock := storetest.NewClock(time.Unix(1_700_000_000, 0))
	st := &hangUpStore{setReadStore: &setReadStore{Store: memstore.New(clock), live: map[string]bool{}}}
	r := auth.NewRecovery(st, []byte("recovery hang-up test key, 32 b"), clock)
	old, err := r.Generate(t.Context(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	st.hangUp = cancel
	codes, err := r.Generate(ctx, "alice")
	if err != nil {
		t.Fatalf("making a new set: %v", err)
	}
	if got, want := st.recoveryKeys(), 1+auth.RecoveryCodeCount; got != want {
		t.Errorf("after a hang-up as the new set was recorded the store holds %d recovery keys, want %d (the new set only)", got, want)
	}
	if _, err := r.Use(t.Context(), "alice", old[0]); err == nil {
		t.Error("a code of the old set still works")
	}
	if _, err := r.Use(t.Context(), "alice", codes[0]); err != nil {
		t.Errorf("a code of the new set: %v, want it to work", err)
	}
}

// deleteHangUpStore is a hangUpStore whose client hangs up once the
// first recovery key is deleted.
type deleteHangUpStore struct {
	*hangUpStore
}

func (s *deleteHangUpStore) Delete(ctx context.Context, key string) (bool, error) {
	ok, err := s.hangUpStore.Delete(ctx, key)
	if err == nil && s.hangUp != nil && strings.HasPrefix(key, "rc:") {
		s.hangUp()
		s.hangUp = nil
	}
	return ok, err
}

// TestForgottenRecoveryCodesLeaveNoKeysOnHangUp: an administrator deletes
// an account (or resets its second factors) and the request is cut off
// after the first recovery key is deleted; the delete is then run again,
// as an administrator does on an error. Nothing of the set may stay.
// Before, the set's record went first: cut off there, its ten codes
// stayed in the store for good, since the retry found no record naming
// them.
func TestForgottenRecoveryCodesLeaveNoKeysOnHangUp(t *testing.T) {
	clock := storetest.NewClock(time.Unix(1_700_000_000, 0))
	st := &deleteHangUpStore{&hangUpStore{setReadStore: &setReadStore{Store: memstore.New(clock), live: map[string]bool{}}}}
	r := auth.NewRecovery(st, []byte("recovery hang-up test key, 32 b"), clock)
	if _, err := r.Generate(t.Context(), "alice"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	st.hangUp = cancel
	_ = r.Forget(ctx, "alice") // cut off: an error, tried again below
	if err := r.Forget(t.Context(), "alice"); err != nil {
		t.Fatalf("forgetting again: %v", err)
	}
	left := st.keysButEpoch()
	if left != 0 {
		t.Errorf("after a cut-off forget and its retry the store holds %d recovery keys, want 0", left)
	}
}
