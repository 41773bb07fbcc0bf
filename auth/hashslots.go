package auth

import (
	"context"
	"fmt"
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
// one.

// keptSlots is how many of n hashing slots are kept for known devices.
func keptSlots(n int) int {
	if n < 2 {
		return 0
	}
	return (n + 3) / 4
}

type knownDeviceKey struct{}

// withKnownDevice marks ctx as a sign-in from a known device of the
// account it signs in to: its hashes may take a kept slot.
func withKnownDevice(ctx context.Context) context.Context {
	return context.WithValue(ctx, knownDeviceKey{}, true)
}

// fromKnownDevice reports whether ctx was marked by withKnownDevice.
func fromKnownDevice(ctx context.Context) bool {
	known, _ := ctx.Value(knownDeviceKey{}).(bool)
	return known
}

// hashSlot is a slot taken; release gives it back.
type hashSlot chan struct{}

func (s hashSlot) release() { <-s }

// acquire takes a hashing slot, waiting at most maxWait and no longer
// than ctx allows: any open slot, or for a known device's sign-in
// (fromKnownDevice) a kept one too, whichever frees first.
func (h *Hasher) acquire(ctx context.Context) (hashSlot, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("password hashing: %w", err)
	}
	var kept chan struct{} // nil: never ready
	if fromKnownDevice(ctx) {
		kept = h.kept
	}
	select {
	case h.sem <- struct{}{}:
		return h.sem, nil
	case kept <- struct{}{}:
		return kept, nil
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
		return kept, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("password hashing: waiting for a slot: %w", ctx.Err())
	case <-timer.C:
		return nil, fmt.Errorf("password hashing: all %d slots busy for %s: %w", busy, h.maxWait, ErrOverloaded)
	}
}
