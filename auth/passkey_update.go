package auth

// Changes to an account's passkey record (docs/contract.md, "Passkeys"):
// a sign-in moving a key's signature counter on, a key added, one
// removed. Each reads the record, changes it and writes it whole, so two
// at once would lose one of them (a counter going back lets a cloned key
// through once; a key added while another sign-in saves is lost): they
// run one at a time per account, under a short lock in the store.

import (
	"context"
	"errors"
	"time"
)

// ErrPasskeyBusy is returned when another change to the account's
// passkeys held its lock for longer than passkeyLockWait.
var ErrPasskeyBusy = errors.New("another passkey change on the account is under way")

const (
	// passkeyLockTTL frees the lock of a gateway that died holding it.
	passkeyLockTTL = 5 * time.Second
	// passkeyLockWait is how long a change waits for the lock.
	passkeyLockWait = time.Second
	// passkeyLockPoll is how often a waiting change asks again.
	passkeyLockPoll = 10 * time.Millisecond
)

// update runs f on user's record and saves it if f returns nil, holding
// the account's lock from before the read until after the write.
func (p *Passkeys) update(ctx context.Context, user string, f func(*passkeyRecord) error) error {
	unlock, err := p.lock(ctx, user)
	if err != nil {
		return err
	}
	defer unlock()
	rec, err := p.load(ctx, user)
	if err != nil {
		return err
	}
	if err := f(rec); err != nil {
		return err
	}
	return p.save(ctx, user, rec)
}

// lock takes user's lock ("pkl:" + the record's name), waiting up to
// passkeyLockWait, and returns its release.
func (p *Passkeys) lock(ctx context.Context, user string) (func(), error) {
	key := "pkl:" + p.names.name("passkey", user)
	deadline := time.Now().Add(passkeyLockWait)
	for {
		ok, err := p.kv.SetNX(ctx, key, []byte{1}, passkeyLockTTL)
		if err != nil {
			return nil, err
		}
		if ok {
			return func() {
				// Released even when the request was cancelled meanwhile.
				_, _ = p.kv.Delete(context.WithoutCancel(ctx), key)
			}, nil
		}
		if time.Now().After(deadline) {
			return nil, ErrPasskeyBusy
		}
		t := time.NewTimer(passkeyLockPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}
