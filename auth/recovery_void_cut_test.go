package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// cutDeleteStore is a setReadStore whose deletes of an account's set's
// codes ("rc:" name ":" batch ":" hash) stop once one was made while cut
// is set: cut is then called (it cancels the request, or breaks the
// store), and every later call made with a cancelled context, or while
// the store is broken, fails, as Redis's do.
type cutDeleteStore struct {
	*setReadStore
	cut    func()
	broken bool
}

var errStoreBroken = errors.New("store broken")

func (s *cutDeleteStore) fails(ctx context.Context) error {
	if s.broken {
		return errStoreBroken
	}
	return ctx.Err()
}

func (s *cutDeleteStore) Delete(ctx context.Context, key string) (bool, error) {
	if err := s.fails(ctx); err != nil {
		return false, err
	}
	ok, err := s.setReadStore.Delete(ctx, key)
	if err == nil && s.cut != nil && strings.HasPrefix(key, "rc:") && strings.Count(key, ":") == 3 {
		s.cut()
		s.cut = nil
	}
	return ok, err
}

func (s *cutDeleteStore) CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error) {
	if err := s.fails(ctx); err != nil {
		return false, err
	}
	return s.setReadStore.CompareAndDelete(ctx, key, old)
}

// TestAVoidCutOffHalfWayLeavesNoCodeWorking: an administrator voids
// alice's recovery codes (the console's void, reset-2fa, a delete: all
// auth.Recovery.Forget) because her sheet is in a thief's hands, and
// the void is cut off after the first code's key is deleted: the
// request is cancelled (the lease of the codes' lock lost, the client
// gone), or the store fails. None of the sheet's codes may work after
// it: a void fails closed. Its retry then leaves nothing of the set in
// the store. Before, the
// codes went one by one before the record naming them, and a void cut
// off after the first left the nine others signing the thief in until
// someone voided again.
func TestAVoidCutOffHalfWayLeavesNoCodeWorking(t *testing.T) {
	for _, how := range []string{"cancelled", "store fails"} {
		t.Run(how, func(t *testing.T) {
			clock := storetest.NewClock(time.Unix(1_700_000_000, 0))
			st := &cutDeleteStore{setReadStore: &setReadStore{Store: memstore.New(clock), live: map[string]bool{}}}
			r := auth.NewRecovery(st, []byte("recovery void-cut test key, 32 b"), clock)
			codes, err := r.Generate(t.Context(), "alice")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			st.cut = cancel
			if how == "store fails" {
				st.cut = func() { st.broken = true }
			}
			_ = r.Forget(ctx, "alice") // cut off: tried again below
			st.broken = false
			for i, code := range codes {
				if _, err := r.Use(t.Context(), "alice", code); !errors.Is(err, auth.ErrRecoveryCodeInvalid) {
					t.Errorf("code %d of the voided sheet after a void cut off half-way: %v, want it refused", i+1, err)
				}
			}
			if err := r.Forget(t.Context(), "alice"); err != nil {
				t.Fatalf("the void again: %v", err)
			}
			left := st.keysButEpoch()
			if left != 0 {
				t.Errorf("after a void cut off and its retry the store holds %d recovery keys, want 0", left)
			}
		})
	}
}
