package auth

// Short locks in the store, shared by every replica: a key set only
// while no other request holds it. They serialise the read-change-write
// of records that a compare-and-set on one key cannot guard: an
// account's passkeys, an account's recovery codes (a set or a void and
// the sessions it ends), and the members of the admin group, a rule over
// many accounts (docs/contract.md, "Passkeys", "Recovery codes" and
// "Admin console").

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"
)

// lockTimes are a store lock's times.
type lockTimes struct {
	ttl  time.Duration // frees the lock of a gateway that died holding it
	wait time.Duration // how long a request waits for the lock
	poll time.Duration // how often a waiting request asks again
}

// storeLock takes the lock key in st (SetNX of a random owner token, for
// at most t.ttl), asking again every t.poll until t.wait has passed,
// then giving up with busy. It returns the lock's release, which frees
// it even when the request was cancelled meanwhile, and only while it
// still holds this owner's token (Swapper.CompareAndDelete): a holder
// that outlived t.ttl (a paused process, a slow delete) never frees the
// lock another request took since, which would let a third run
// alongside that one (docs/contract.md, "Admin console"). A store that
// cannot delete by owner fails closed, as an unreachable one.
func storeLock(ctx context.Context, st Store, key string, t lockTimes, busy error) (func(), error) {
	sw, ok := st.(Swapper)
	if !ok {
		return nil, fmt.Errorf("store lock: the store cannot release a lock by its owner: %w", ErrStoreUnavailable)
	}
	token := make([]byte, 16)
	_, _ = rand.Read(token) // never fails (crypto/rand)
	deadline := time.Now().Add(t.wait)
	for {
		ok, err := st.SetNX(ctx, key, token, t.ttl)
		if err != nil {
			return nil, err
		}
		if ok {
			return func() {
				_, _ = sw.CompareAndDelete(context.WithoutCancel(ctx), key, token)
			}, nil
		}
		if time.Now().After(deadline) {
			return nil, busy
		}
		tick := time.NewTimer(t.poll)
		select {
		case <-ctx.Done():
			tick.Stop()
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}

// ErrAdminsBusy is returned when another change that may take a member
// out of the admin group held their lock for longer than it waits.
var ErrAdminsBusy = errors.New("another change of an administrator is under way")

// adminsLock is the lock of LockAdmins: a delete, which ends the
// account's sessions and removes its factors first, holds it longest.
var adminsLock = lockTimes{ttl: 30 * time.Second, wait: 5 * time.Second, poll: 20 * time.Millisecond}

// LockAdmins takes the deployment's one lock on the members of the admin
// group, for a change that may take one out of it (disable, delete, a
// change of groups): the check that an enabled member is left and the
// write that follows it are then made one change at a time, over every
// replica, so that two administrators taking each other out at once
// cannot both pass the check (docs/contract.md, "Admin console"). It
// returns the lock's release, or ErrAdminsBusy after 5 s of waiting.
func LockAdmins(ctx context.Context, st Store) (func(), error) {
	return storeLock(ctx, st, "admins:lock", adminsLock, ErrAdminsBusy)
}
