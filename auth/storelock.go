package auth

// Short locks in the store, shared by every replica: a key set only
// while no other request holds it. They serialise the read-change-write
// of records that a compare-and-set on one key cannot guard: an
// account's passkeys, an account's recovery codes (a set or a void and
// the sessions it ends), and the members of the admin group, a rule over
// many accounts (docs/contract.md, "Passkeys", "Recovery codes" and
// "Admin console").
//
// A lock is a lease (docs/contract.md, "Admin console", "Store locks
// are leases"): renewed while its holder works, so a slow holder that is
// alive keeps it past its TTL; lost once it lapsed or another holder has
// it, and then its holder's work is cancelled and its writes refused.

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrLockLost is in the error of a change whose store lock lapsed, or
// was another holder's, when it confirmed it before a write (its process
// was paused, its store out of reach, past the lock's TTL): the write was
// not made, and what the change wrote before it may have to be made
// again (docs/contract.md, "Store locks are leases"). It comes with the
// lock's busy error, which says how it is answered.
var ErrLockLost = errors.New("the change's lock lapsed before its write")

// lockTimes are a store lock's times.
type lockTimes struct {
	ttl  time.Duration // frees the lock of a gateway that died holding it
	wait time.Duration // how long a request waits for the lock
	poll time.Duration // how often a waiting request asks again
}

// leaseTTLs bounds how long a lease is renewed, in TTLs of its lock: a
// holder stuck for good (a deadlock, a hung backend) frees the lock then
// rather than never.
const leaseTTLs = 10

// Lease is a store lock held (storeLock). While held it is renewed every
// third of its TTL, a compare-and-swap of the holder's owner token on
// itself, so the lock stays the holder's for as long as it works, up to
// leaseTTLs of its TTL. Once a renewal finds the lock lapsed or another
// holder's, or none has gone through for a whole TTL, the lease is lost:
// the context the holder works in is cancelled, its cause ErrLockLost.
type Lease struct {
	sw     Swapper
	key    string
	token  []byte
	ttl    time.Duration
	end    time.Time // renewed no longer after
	lost   error     // ErrLockLost with the lock's busy error
	cancel context.CancelCauseFunc
	work   context.Context // the holder's, cancelled once the lease is lost
	bg     context.Context // the store calls of the lease itself
	stop   chan struct{}
	once   sync.Once

	mu    sync.Mutex
	until time.Time   // the lock is surely ours until then (this process's clock)
	gone  bool        // lost: never renewed again
	lapse *time.Timer // runs watch at until
}

// storeLock takes the lock key in st (SetNX of a random owner token, for
// t.ttl), asking again every t.poll until t.wait has passed, then giving
// up with busy. It returns the lease, renewed until its Release (or
// Done, which the holder ends it with), and the
// context the holder's work runs in: ctx, also cancelled once the lease
// is lost. Release frees the lock, even when the request was cancelled
// meanwhile, only while it still holds this owner's token
// (Swapper.CompareAndDelete): a holder that lost it never frees the lock
// another request took since, which would let a third run alongside that
// one. A store that cannot compare and set fails closed, as an
// unreachable one.
func storeLock(ctx context.Context, st Store, key string, t lockTimes, busy error) (*Lease, context.Context, error) {
	sw, ok := st.(Swapper)
	if !ok {
		return nil, nil, fmt.Errorf("store lock: the store cannot renew or release a lock by its owner: %w", ErrStoreUnavailable)
	}
	token := make([]byte, 16)
	_, _ = rand.Read(token) // never fails (crypto/rand)
	deadline := time.Now().Add(t.wait)
	for {
		sent := time.Now()
		ok, err := st.SetNX(ctx, key, token, t.ttl)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			work, cancel := context.WithCancelCause(ctx)
			l := &Lease{
				sw: sw, key: key, token: token, ttl: t.ttl, end: sent.Add(leaseTTLs * t.ttl),
				lost: fmt.Errorf("%w: %w", ErrLockLost, busy), cancel: cancel, work: work,
				bg: context.WithoutCancel(ctx), stop: make(chan struct{}), until: sent.Add(t.ttl),
			}
			l.mu.Lock()
			l.lapse = time.AfterFunc(time.Until(l.until), l.watch)
			l.mu.Unlock()
			go l.renew()
			return l, work, nil
		}
		if time.Now().After(deadline) {
			return nil, nil, busy
		}
		tick := time.NewTimer(t.poll)
		select {
		case <-ctx.Done():
			tick.Stop()
			return nil, nil, ctx.Err()
		case <-tick.C:
		}
	}
}

// renew confirms the lock every third of its TTL until Release.
func (l *Lease) renew() {
	every := time.NewTicker(l.ttl / 3)
	defer every.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-every.C:
		}
		if _, err := l.confirm(l.bg); errors.Is(err, ErrLockLost) {
			return
		}
	}
}

// watch loses the lease once no confirmation went through for a whole
// TTL (the store out of reach, or slower than the TTL): the lock may
// have lapsed. It runs on l.lapse, apart from the renewals, so that one
// held up in a slow store does not hold the lapse up.
func (l *Lease) watch() {
	l.mu.Lock()
	if d := time.Until(l.until); !l.gone && d > 0 {
		l.lapse.Reset(d)
		l.mu.Unlock()
		return
	}
	l.mu.Unlock()
	l.lose()
}

// lose marks the lease lost and cancels its holder's work.
func (l *Lease) lose() {
	l.mu.Lock()
	l.gone = true
	l.lapse.Stop()
	l.mu.Unlock()
	l.cancel(l.lost)
}

// confirm renews the lock if it still holds this owner's token and
// returns when the renewal was sent (the lock is ours for a TTL from
// then); a lock lapsed, another holder's, or held past leaseTTLs loses
// the lease (l.lost), and a lease lost stays lost, even if its token is
// found again in a store back from an outage. A store error is returned
// as it is.
func (l *Lease) confirm(ctx context.Context) (time.Time, error) {
	sent := time.Now()
	l.mu.Lock()
	gone := l.gone || sent.After(l.end)
	l.mu.Unlock()
	if gone {
		l.lose()
		return sent, l.lost
	}
	ok, err := l.sw.CompareAndSwap(ctx, l.key, l.token, l.token, l.ttl)
	if err != nil {
		return sent, err
	}
	if !ok {
		l.lose()
		return sent, l.lost
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.gone || !sent.Before(l.until) {
		// Lost meanwhile, or the lock may have lapsed before this
		// renewal reached the store (and been another's in between).
		l.gone = true
		l.lapse.Stop()
		l.cancel(l.lost)
		return sent, l.lost
	}
	if sent.Add(l.ttl).After(l.until) {
		l.until = sent.Add(l.ttl)
	}
	return sent, nil
}

// Write makes write, a write the lock guards, once a renewal in the
// store has confirmed, immediately before it, that the lock is still
// this holder's. write gets ctx with a deadline two thirds of the lock's
// TTL after the renewal was sent, so that on Redis a write held up past
// it (a process paused between the two) is never sent, as the lock may
// be another's by then. A lease lost, now or before, writes nothing and
// is an error wrapping ErrLockLost and the lock's busy error; a store
// error is returned as it is (fail closed), nothing written.
func (l *Lease) Write(ctx context.Context, write func(ctx context.Context) error) error {
	sent, err := l.confirm(ctx)
	if err != nil {
		return err
	}
	held, cancel := context.WithDeadline(ctx, sent.Add(l.ttl-l.ttl/3))
	defer cancel()
	return write(held)
}

// heldThrough reports whether the lock was this holder's from its
// taking until now, asked once the change it guarded is made: a change
// whose lock lapsed on the way (an error wrapping ErrLockLost) may have
// let another run alongside it, and is answered as busy, to be made
// again.
func (l *Lease) heldThrough(ctx context.Context) error {
	_, err := l.confirm(ctx)
	return err
}

// Release ends the lease: its renewals stop, the holder's context is
// cancelled, and the lock is freed if it still holds this owner's token.
// Later calls do nothing.
func (l *Lease) Release() {
	l.once.Do(func() {
		close(l.stop)
		l.mu.Lock()
		l.gone = true
		l.lapse.Stop()
		l.mu.Unlock()
		l.cancel(nil)
		_, _ = l.sw.CompareAndDelete(l.bg, l.key, l.token)
	})
}

// Done ends the lease (Release) and returns err, from the holder's
// work, as the holder is to answer it: a cancellation the lease's loss
// caused (a store call made in the work context, which Redis fails once
// it is done) is the lease's error, ErrLockLost with the lock's busy
// error, not a client that went away (docs/contract.md, "Store locks
// are leases").
func (l *Lease) Done(err error) error {
	l.Release()
	if err != nil && errors.Is(err, context.Canceled) && errors.Is(context.Cause(l.work), ErrLockLost) {
		return l.lost
	}
	return err
}

// ErrAdminsBusy is returned when another change that may take a member
// out of the admin group held their lock for longer than it waits, or
// took it from a change paused past its TTL (with ErrLockLost).
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
// returns the lease (each write is made under Lease.Write, and the
// change ends it with Lease.Done) and the context the change runs in,
// or ErrAdminsBusy after 5 s of waiting.
func LockAdmins(ctx context.Context, st Store) (*Lease, context.Context, error) {
	return storeLock(ctx, st, "admins:lock", adminsLock, ErrAdminsBusy)
}
