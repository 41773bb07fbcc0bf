package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// TestRecoverySetWhoseLockLapsedShowsNoDeadCodes: the finder of bob's
// lost sheet signed in with his password and one of its codes. bob
// makes a new set: recorded under the lock of his codes, it voids the
// old one, then ends the sessions a recovery code signed in, the
// finder's among them; bob's request paused between the two (a SIGSTOP,
// a long GC) past the lock's 10 s. The finder, still signed in, made a
// set of their own meanwhile, recorded over bob's. Before, bob's request
// then answered 200 with his set's codes, to be written down, which
// never worked. Now a set answers with its codes only if its lock was
// its own throughout: bob's is 503 account_busy, to be made again
// (docs/contract.md, "Recovery codes", "Store locks are leases").
func TestRecoverySetWhoseLockLapsedShowsNoDeadCodes(t *testing.T) {
	t.Parallel()
	st, clock, h := newPausedHarness(t, withAccounts)
	owner, finder := h.newClient(t), h.newClient(t)
	owner.signIn(crmHost, bob)
	finderSignsIn(t, owner, finder)

	// bob's set is held where, recorded, it ends the finder's session.
	recorded := false
	st.arm(func(op, key string) bool {
		if op == "cas" && strings.HasPrefix(key, "rc:") {
			recorded = true
		}
		return recorded && op == "delete" && strings.HasPrefix(key, auth.SessionKeyPrefix)
	})
	ownerDone := make(chan reply, 1)
	go func() { ownerDone <- owner.api(authHost, "recovery-codes", map[string]any{}) }()
	select {
	case <-st.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("bob's set never reached the finder's session")
	}
	clock.Advance(11 * time.Second)
	finder.api(authHost, "recovery-codes", map[string]any{}) // whatever it answers
	close(st.release)
	ownerR := <-ownerDone

	if ownerR.status == http.StatusOK {
		code := ownerR.jsonMap(t)["codes"].([]any)[0].(string)
		again := h.newClient(t)
		again.login(crmHost, bob).wantStatus(t, http.StatusOK)
		if r := again.api(crmHost, "recovery", map[string]string{"code": code}); r.status != http.StatusOK {
			t.Errorf("bob's set answered 200 with codes that do not sign in: %d %s", r.status, r.body)
		}
		return
	}
	ownerR.wantError(t, http.StatusServiceUnavailable, "account_busy")
	if r := finder.get(crmHost, "/deals"); r.status == http.StatusOK {
		t.Error("the finder is still signed in after bob's set")
	}
}

// TestRecoveryVoidWhoseLockLapsedIsToBeMadeAgain: an administrator voids
// bob's recovery codes while the finder of his lost sheet is signed in
// with one of them; the void removed the codes, then paused (a SIGSTOP,
// a long GC) past the lock's 10 s before it ended the finder's session,
// and the finder made a set of their own meanwhile. Before, the void
// answered 200 and the finder's set outlived it. Now a void whose lock
// lapsed on the way answers 503 account_busy, and made again it voids
// the finder's set. The void's lease is found lost before it goes on;
// its end of the finder's session is made all the same (the store, as
// Redis does, refuses a call whose context is done: the lease's work
// context would have cut the end short) (docs/contract.md, "Store locks
// are leases").
func TestRecoveryVoidWhoseLockLapsedIsToBeMadeAgain(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(time.Now().Truncate(time.Second))
	held := &heldStore{Store: memstore.New(clock)}
	st := ctxStore{held}
	h := newHarness(t, withAccounts, setup{store: func(*testing.T) auth.Store { return st }})
	owner, admin, finder := h.newClient(t), h.newClient(t), h.newClient(t)
	owner.signIn(crmHost, bob)
	admin.signIn(crmHost, alice)
	finderSignsIn(t, owner, finder)

	// The void is held where, the codes removed, it ends the finder's
	// session.
	removed := false
	held.arm(func(op, key string) bool {
		if op == "delete" && strings.HasPrefix(key, "rc:") {
			removed = true
		}
		return removed && op == "delete" && strings.HasPrefix(key, auth.SessionKeyPrefix)
	})
	voided := make(chan reply, 1)
	go func() { voided <- admin.api(authHost, "admin/users/bob/recovery/void", map[string]any{}) }()
	select {
	case <-held.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the void never reached the finder's session")
	}
	clock.Advance(11 * time.Second)
	mine := makeRecoverySet(t, finder)
	time.Sleep(4 * time.Second) // the void's next renewal (a third of 10 s) finds the lock gone
	close(held.release)
	(<-voided).wantError(t, http.StatusServiceUnavailable, "account_busy")
	if r := finder.get(crmHost, "/deals"); r.status == http.StatusOK {
		t.Error("the finder is still signed in after the void")
	}

	voidRecoveryCodes(t, owner, admin) // made again
	again := h.newClient(t)
	again.login(crmHost, bob).wantStatus(t, http.StatusOK)
	if r := again.api(crmHost, "recovery", map[string]string{"code": mine[0]}); r.status == http.StatusOK {
		t.Error("a code of the set the finder made during the void signs in after the void was made again")
	}
}

// ctxStore is a heldStore whose deletes and reads, as a Redis store's
// calls do, fail once their context is done (the memory store ignores
// it); a read is held as a write is ("get").
type ctxStore struct{ *heldStore }

func (s ctxStore) Get(ctx context.Context, key string) ([]byte, error) {
	s.hold("get", key)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ctx store: %w: %w", err, auth.ErrStoreUnavailable)
	}
	return s.Store.Get(ctx, key)
}

func (s ctxStore) Delete(ctx context.Context, key string) (bool, error) {
	s.hold("delete", key)
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("ctx store: %w: %w", err, auth.ErrStoreUnavailable)
	}
	return s.Store.Delete(ctx, key)
}
