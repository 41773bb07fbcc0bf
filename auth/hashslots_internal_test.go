package auth

import (
	"fmt"
	"testing"
	"time"
)

// TestKeptUsesStayBounded: the count of kept slots follows at most
// keptAccounts accounts; when full, a new account takes the open slots
// only, until a window has passed and the old counts are dropped.
func TestKeptUsesStayBounded(t *testing.T) {
	var k keptUses
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range keptAccounts {
		k.reserve(fmt.Sprint("a", i), t0)
	}
	if _, ok := k.reserve("newcomer", t0.Add(keptWindow/2)); ok {
		t.Error("a new account was let take a kept slot with every count in use")
	}
	if _, ok := k.reserve("a1", t0.Add(keptWindow/2)); !ok {
		t.Error("an account followed already, with its share left, was refused")
	}
	if _, ok := k.reserve("newcomer", t0.Add(keptWindow)); !ok {
		t.Error("a new account was refused after the window, when every count had ended")
	}
	if len(k.uses) != 1 {
		t.Errorf("%d counts kept after a sweep, want 1 (the newcomer's)", len(k.uses))
	}
}

// TestOneAccountCannotHoldTheKeptSlotAtOnce: an account's share of the
// kept hashing slots (keptPerAccount a window) holds for sign-ins sent
// together too. Before, each was let in on the count before any took a
// kept slot, so a burst of sign-ins to one's own account from its
// browser during a flood queued on the kept slots and held them as long
// as the burst lasted, once a window per account (docs/contract.md,
// "Password hashing").
func TestOneAccountCannotHoldTheKeptSlotAtOnce(t *testing.T) {
	const burst = 8
	h := NewHasher(Argon2Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1}, 4, time.Second)
	for range cap(h.sem) {
		h.sem <- struct{}{} // the flood holds every open slot
	}
	h.kept <- struct{}{} // and someone's known device the kept one
	ctx := withKnownDevice(t.Context(), "mallory")
	took := make(chan bool, burst)
	for range burst {
		go func() {
			slot, err := h.acquire(ctx)
			if err == nil {
				slot.release()
			}
			took <- err == nil
		}()
	}
	time.Sleep(100 * time.Millisecond) // every one of the burst waits
	<-h.kept                           // the kept slot frees
	n := 0
	for range burst {
		if <-took {
			n++
		}
	}
	if n > keptPerAccount {
		t.Errorf("%d of %d sign-ins of one account sent together took the kept slot, want at most %d a window", n, burst, keptPerAccount)
	}
}
