package auth

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Stand-ins for dummy verifications.
//
// A login for a name that does not exist must not answer faster than one
// for a real name with a wrong password, or timing tells an attacker which
// names exist. Computing a dummy argon2id hash for each such login closes
// that channel but hands a password sprayer the server's CPU and memory
// bandwidth: every random name costs a full hash. Instead, once the Hasher
// has timed a few real derivations, a dummy verification takes a hashing
// slot exactly as a real one does and holds it, without working, for a
// duration drawn from the most recent real derivations (so its time
// follows theirs, load included). One dummy in standInRefresh still
// derives for real, which keeps the samples current even when only
// unknown names are tried.
const (
	hashSamples    = 32 // real derivation times kept
	minHashSamples = 4  // real derivations before stand-ins are used
	standInRefresh = 16 // one dummy in this many derives for real
)

// hashTimes keeps the durations of recent argon2id derivations made with
// the Hasher's configured parameters.
type hashTimes struct {
	mu      sync.Mutex
	ring    [hashSamples]time.Duration
	n       int // samples recorded, saturating at hashSamples
	next    int // ring index of the next sample
	dummies uint64
}

// observe records one real derivation's duration.
func (t *hashTimes) observe(d time.Duration) {
	t.mu.Lock()
	t.ring[t.next] = d
	t.next = (t.next + 1) % hashSamples
	t.n = min(t.n+1, hashSamples)
	t.mu.Unlock()
}

// standIn returns how long the next dummy verification should hold its
// slot instead of deriving, or false when it should derive for real (too
// few samples yet, or its turn to refresh them).
func (t *hashTimes) standIn() (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dummies++
	if t.n < minHashSamples || t.dummies%standInRefresh == 0 {
		return 0, false
	}
	return t.ring[rand.IntN(t.n)], true //nolint:gosec // picks a recent timing to imitate: no secret depends on it
}

// hold waits d, or until ctx ends, without using CPU.
func hold(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("password hashing: %w", ctx.Err())
	}
}
