package auth

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Hashing slots (docs/contract.md, "Password hashing"). A Hasher
// computes at most hashing.max_concurrent hashes at once, and anyone can
// keep every slot busy: a wrong password for any name, or a name no
// account has (whose stand-in holds a slot as long as a hash), from as
// many addresses as they have. So a quarter of the slots (at least one
// when there are two or more) are kept for sign-ins from a known device
// of the account signed in to (docs/contract.md, "Known devices"), which
// an outsider cannot make: a flood holds the other slots only, and
// people signing in from a browser they signed in with before still find
// one. Anyone with an account of their own has a known device of it, so
// one account takes a kept slot at most keptPerAccount times in
// keptWindow (per gateway process, as the slots are): a loop of its own
// sign-ins cannot hold them, and holding them takes hundreds of accounts.

// keptSlots is how many of n hashing slots are kept for known devices.
func keptSlots(n int) int {
	if n < 2 {
		return 0
	}
	return (n + 3) / 4
}

// How often one account may take a kept slot, and how many accounts are
// followed at once (beyond that, an account not followed yet takes the
// open slots only until the window frees some).
const (
	keptPerAccount = 3
	keptWindow     = time.Minute
	keptAccounts   = 100_000
)

type knownDeviceKey struct{}

// withKnownDevice marks ctx as a sign-in from a known device of account:
// its hashes may take a kept slot.
func withKnownDevice(ctx context.Context, account string) context.Context {
	return context.WithValue(ctx, knownDeviceKey{}, account)
}

// fromKnownDevice is the account ctx was marked for by withKnownDevice,
// "" when it was not.
func fromKnownDevice(ctx context.Context) string {
	account, _ := ctx.Value(knownDeviceKey{}).(string)
	return account
}

// keptUses counts each account's kept slots taken in its current window.
type keptUses struct {
	mu   sync.Mutex
	uses map[string]keptCount
}

type keptCount struct {
	since time.Time
	n     int
}

// reserve counts a kept slot for account at now, if its share allows
// one, and reports whether it did and the window it was counted in (for
// giveBack). The count is made before the slot is waited for, so that
// requests sent together cannot all be let in on a count none of them
// has raised yet.
func (k *keptUses) reserve(account string, now time.Time) (time.Time, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.uses == nil {
		k.uses = make(map[string]keptCount)
	}
	c, ok := k.uses[account]
	switch {
	case ok && now.Sub(c.since) < keptWindow:
		if c.n >= keptPerAccount {
			return time.Time{}, false
		}
	case len(k.uses) >= keptAccounts && !k.sweep(now):
		return time.Time{}, false
	default:
		c = keptCount{since: now}
	}
	c.n++
	k.uses[account] = c
	return c.since, true
}

// sweep drops the counts whose window ended by now (k.mu held), and
// reports whether an account not followed yet may be.
func (k *keptUses) sweep(now time.Time) bool {
	for a, c := range k.uses {
		if now.Sub(c.since) >= keptWindow {
			delete(k.uses, a)
		}
	}
	return len(k.uses) < keptAccounts
}

// giveBack returns the reservation of account counted in the window
// since, which took no kept slot (an open one freed first, or none).
func (k *keptUses) giveBack(account string, since time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if c, ok := k.uses[account]; ok && c.since.Equal(since) && c.n > 0 {
		c.n--
		k.uses[account] = c
	}
}

// hashSlot is a slot taken; release gives it back.
type hashSlot chan struct{}

func (s hashSlot) release() { <-s }

// acquire takes a hashing slot, waiting at most maxWait and no longer
// than ctx allows: any open slot, or for a known device's sign-in
// (fromKnownDevice) whose account has not used up its share
// (keptPerAccount) a kept one too, whichever frees first.
func (h *Hasher) acquire(ctx context.Context) (hashSlot, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("password hashing: %w", err)
	}
	var kept chan struct{} // nil: never ready
	account := fromKnownDevice(ctx)
	if account != "" && h.kept != nil {
		if since, ok := h.keptUses.reserve(account, h.clock.Now()); ok {
			kept = h.kept
			// Given back unless a kept slot is what this request takes.
			defer func() {
				if kept != nil {
					h.keptUses.giveBack(account, since)
				}
			}()
		}
	}
	select {
	case h.sem <- struct{}{}:
		return h.sem, nil
	case kept <- struct{}{}:
		return h.tookKept(&kept), nil
	default:
	}
	busy := cap(h.sem) + cap(kept)
	if h.maxWait <= 0 {
		return nil, fmt.Errorf("password hashing: all %d slots busy: %w", busy, ErrOverloaded)
	}
	timer := time.NewTimer(h.maxWait)
	defer timer.Stop()
	select {
	case h.sem <- struct{}{}:
		return h.sem, nil
	case kept <- struct{}{}:
		return h.tookKept(&kept), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("password hashing: waiting for a slot: %w", ctx.Err())
	case <-timer.C:
		return nil, fmt.Errorf("password hashing: all %d slots busy for %s: %w", busy, h.maxWait, ErrOverloaded)
	}
}

// tookKept is the kept slot a request took, its reservation spent
// (*reserved set to nil: not to be given back).
func (h *Hasher) tookKept(reserved *chan struct{}) hashSlot {
	*reserved = nil
	return h.kept
}

// SetClock makes h count each account's kept slots (keptPerAccount in
// keptWindow) on c rather than the system clock. Call it before h is
// used.
func (h *Hasher) SetClock(c Clock) { h.clock = c }
