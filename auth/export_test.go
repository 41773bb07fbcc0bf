package auth

import (
	"context"
	"errors"
	"time"
)

// ErrLockBusyForTest is what StoreLockForTest gives up with.
var ErrLockBusyForTest = errors.New("test lock busy")

// StoreLockForTest is storeLock with times of a test's (a lock of a few
// hundred milliseconds).
func StoreLockForTest(ctx context.Context, st Store, key string, ttl, wait time.Duration) (*Lease, context.Context, error) {
	return storeLock(ctx, st, key, lockTimes{ttl: ttl, wait: wait, poll: 5 * time.Millisecond}, ErrLockBusyForTest)
}

// StartHidden is startHidden for the package's black-box tests: the
// challenge of a code-only sign-in, a reset or a sign-up asked by
// someone who proved nothing of the account.
var StartHidden = (*OTP).startHidden
