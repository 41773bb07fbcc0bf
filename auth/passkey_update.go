package auth

// Changes to an account's passkey record (docs/contract.md, "Passkeys"):
// a sign-in moving a key's signature counter on, a key added, one
// removed. Each reads the record, changes it and writes it whole, so two
// at once would lose one of them (a counter going back lets a cloned key
// through once; a key added while another sign-in saves is lost): they
// run one at a time per account, under a short lock in the store.

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
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
// the account's lock from before the read until after the write. The
// ids of keys f removed are released once the record is saved without
// them, still under the lock (passkey_ids.go).
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
	had := make([][]byte, 0, len(rec.Keys))
	for _, k := range rec.Keys {
		had = append(had, k.Cred.ID)
	}
	if err := f(rec); err != nil {
		return err
	}
	if !rec.Claimed {
		if err := p.claimAll(ctx, user, rec); err != nil {
			return err
		}
	}
	if err := p.save(ctx, user, rec); err != nil {
		return err
	}
	p.release(ctx, user, slices.DeleteFunc(had, func(id []byte) bool {
		return slices.ContainsFunc(rec.Keys, func(k storedKey) bool { return bytes.Equal(k.Cred.ID, id) })
	})...)
	return nil
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

// Remove deletes user's key id (base64url).
func (p *Passkeys) Remove(ctx context.Context, user, id string) (Passkey, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(id, "="))
	if err != nil {
		return Passkey{}, ErrPasskeyNotFound
	}
	var gone Passkey
	err = p.update(ctx, user, func(rec *passkeyRecord) error {
		i := slices.IndexFunc(rec.Keys, func(k storedKey) bool { return bytes.Equal(k.Cred.ID, raw) })
		if i < 0 {
			return ErrPasskeyNotFound
		}
		gone = rec.Keys[i].view()
		rec.Keys = slices.Delete(rec.Keys, i, i+1)
		return nil
	})
	return gone, err
}

// RemoveAll deletes every key of user (an administrator's reset) and
// says how many there were.
func (p *Passkeys) RemoveAll(ctx context.Context, user string) (int, error) {
	n := 0
	err := p.update(ctx, user, func(rec *passkeyRecord) error {
		n = len(rec.Keys)
		rec.Keys = nil
		return nil
	})
	return n, err
}
