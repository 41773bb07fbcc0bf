package gateway_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
	"github.com/gatehouse-auth/gatehouse/internal/softkey"
)

// TestPasskeyRemovalPausedPastItsLockBringsNoKeyBack: bob removes his
// key "Old"; the removal read his record under the lock of his keys,
// then its process paused (a SIGSTOP, a long GC) past the lock's 5 s
// before it saved the record without the key. bob, having lost his
// laptop, removed its key "Laptop" meanwhile (200). Before, the paused
// removal then saved the record it had read, "Laptop" in it: the key
// removed came back and signed in again. Now the record is saved only
// while the lock is still the change's, confirmed in the store
// immediately before the write: the paused removal is refused (409
// passkey_busy, nothing changed), "Laptop" stays removed and "Old" signs
// in (docs/contract.md, "Passkeys", "Store locks are leases").
func TestPasskeyRemovalPausedPastItsLockBringsNoKeyBack(t *testing.T) {
	t.Parallel()
	st, clock, h := newPausedHarness(t, withAccounts, withPasskeys)
	owner := h.newClient(t)
	owner.signIn(crmHost, bob)
	laptop := registerPasskey(t, owner, "Laptop")
	old := registerPasskey(t, owner, "Old")
	remove := func(key *softkey.Key) reply {
		return owner.api(authHost, "passkeys/remove", map[string]string{"id": base64.RawURLEncoding.EncodeToString(key.ID)})
	}

	// The removal's first write once its lock is held, whatever it is
	// (the lock's confirmation, or the record).
	st.arm(func(op, key string) bool {
		return op == "cas" && strings.HasPrefix(key, "pkl:") ||
			op == "set" && strings.HasPrefix(key, "pk:") && !strings.HasPrefix(key, "pk:c:") && !strings.HasPrefix(key, "pk:h:")
	})
	removed := make(chan reply, 1)
	go func() { removed <- remove(old) }()
	select {
	case <-st.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the removal never reached its write")
	}
	clock.Advance(6 * time.Second)
	laptopR := remove(laptop)
	close(st.release)
	oldR := <-removed
	laptopR.wantStatus(t, http.StatusOK)

	signIn := func(key *softkey.Key) reply {
		c := h.newClient(t)
		c.login(crmHost, bob).wantStatus(t, http.StatusOK)
		return usePasskey(t, c, key, false)
	}
	if r := signIn(laptop); r.status == http.StatusOK {
		t.Error("the removed key of the lost laptop came back and signed in")
	}
	oldR.wantError(t, http.StatusConflict, "passkey_busy")
	if r := signIn(old); r.status != http.StatusOK {
		t.Errorf("the key whose removal was refused: %d %s, want it to sign in", r.status, r.body)
	}
}

// TestPasskeyChangeWhoseLeaseIsLostAnswersBusy: bob removes a key; the
// removal took the lock of his keys, then its process paused past the
// lock's 5 s before it read his record, and its next renewal found the
// lock lapsed: the lease is lost and the removal's work cancelled. Its
// read then fails as it does on Redis, whose calls fail once their
// context is done. Before, the removal answered 499 client_gone to bob,
// who was still there, as if he had hung up. Now it answers as the lock
// it lost, 409 passkey_busy, and nothing changed (docs/contract.md,
// "Store locks are leases").
func TestPasskeyChangeWhoseLeaseIsLostAnswersBusy(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(time.Now().Truncate(time.Second))
	held := &heldStore{Store: memstore.New(clock)}
	h := newHarness(t, withAccounts, withPasskeys, setup{store: func(*testing.T) auth.Store { return ctxStore{held} }})
	owner := h.newClient(t)
	owner.signIn(crmHost, bob)
	registerPasskey(t, owner, "Kept")
	old := registerPasskey(t, owner, "Old")

	// The removal is held at its read of the record, once it has the lock.
	locked := false
	held.arm(func(op, key string) bool {
		if op == "setnx" && strings.HasPrefix(key, "pkl:") {
			locked = true
		}
		return locked && op == "get" && strings.HasPrefix(key, "pk:") && !strings.HasPrefix(key, "pk:c:") && !strings.HasPrefix(key, "pk:h:")
	})
	removed := make(chan reply, 1)
	go func() {
		removed <- owner.api(authHost, "passkeys/remove", map[string]string{"id": base64.RawURLEncoding.EncodeToString(old.ID)})
	}()
	select {
	case <-held.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the removal never reached its read")
	}
	clock.Advance(6 * time.Second)
	time.Sleep(2500 * time.Millisecond) // its next renewal (a third of 5 s) finds the lock lapsed
	close(held.release)
	(<-removed).wantError(t, http.StatusConflict, "passkey_busy")
	c := h.newClient(t)
	c.login(crmHost, bob).wantStatus(t, http.StatusOK)
	if r := usePasskey(t, c, old, false); r.status != http.StatusOK {
		t.Errorf("the key whose removal was refused: %d %s, want it to sign in", r.status, r.body)
	}
}
