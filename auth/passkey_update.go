package auth

// Reading and writing an account's passkey record, and changes to it
// (docs/contract.md, "Passkeys"): a sign-in moving a key's signature
// counter on, a key added, one removed. Each reads the record, changes it
// and writes it whole, so two at once would lose one of them (a counter
// going back lets a cloned key through once; a key added while another
// sign-in saves is lost): they run one at a time per account, under a
// short lock in the store.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrPasskeyBusy is returned when another change to the account's
// passkeys held its lock for longer than passkeyLock.wait.
var ErrPasskeyBusy = errors.New("another passkey change on the account is under way")

// passkeyLock is the lock of one account's passkey record (storeLock).
var passkeyLock = lockTimes{ttl: 5 * time.Second, wait: time.Second, poll: 10 * time.Millisecond}

// update runs f on user's record and saves it if f returns nil, holding
// the account's lock from before the read until after the write, and
// writing only once the lock is confirmed still its own (Lease.Write): a
// change paused past the lock's TTL while another took it writes
// nothing (before, it saved the record it read over the other's). The
// ids of keys f removed are released once the record is saved without
// them, still under the lock (passkey_ids.go).
func (p *Passkeys) update(ctx context.Context, user string, f func(*passkeyRecord) error) (err error) {
	lease, ctx, err := p.lock(ctx, user)
	if err != nil {
		return err
	}
	defer func() { err = lease.Done(err) }()
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
	// The ids f entered for keys it added are released, still under the
	// lock, when the record is not saved: released after it, the entry
	// of the same id added again meanwhile would go.
	added := make([][]byte, 0, 1)
	for _, k := range rec.Keys {
		if !slices.ContainsFunc(had, func(id []byte) bool { return bytes.Equal(k.Cred.ID, id) }) {
			added = append(added, k.Cred.ID)
		}
	}
	// The ids f entered stay entered when the lock was lost before the
	// write: released without the lock, the entry of the same id added
	// by its next holder could go, and one left is the account's own to
	// take again.
	return lease.Write(ctx, func(ctx context.Context) error {
		if !rec.Claimed {
			if err := p.claimAll(ctx, user, rec); err != nil {
				p.release(ctx, user, added...)
				return err
			}
		}
		if err := p.save(ctx, user, rec); err != nil {
			p.release(ctx, user, added...)
			return err
		}
		p.release(ctx, user, slices.DeleteFunc(had, func(id []byte) bool {
			return slices.ContainsFunc(rec.Keys, func(k storedKey) bool { return bytes.Equal(k.Cred.ID, id) })
		})...)
		return nil
	})
}

// lock takes user's lock ("pkl:" + the record's name), waiting up to
// passkeyLock.wait, and returns its lease and the context to work in.
func (p *Passkeys) lock(ctx context.Context, user string) (*Lease, context.Context, error) {
	return storeLock(ctx, p.kv, "pkl:"+p.names.name("passkey", user), passkeyLock, ErrPasskeyBusy)
}

// load returns user's record (empty, without a handle, when there is
// none).
func (p *Passkeys) load(ctx context.Context, user string) (*passkeyRecord, error) {
	b, err := p.kv.Get(ctx, p.key(user))
	if errors.Is(err, ErrNotFound) {
		return &passkeyRecord{}, nil
	}
	if err != nil {
		return nil, err
	}
	var rec passkeyRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("passkeys: record: %w", ErrStoreUnavailable)
	}
	for i := range rec.Keys {
		slim(&rec.Keys[i].Cred) // a record kept before keys were slimmed
	}
	return &rec, nil
}

// save writes user's record; a record left without keys is deleted, with
// its handle's key: an account without passkeys keeps nothing in the
// store (docs/contract.md, "Store housekeeping"), and a first key added
// later gets a new handle.
func (p *Passkeys) save(ctx context.Context, user string, rec *passkeyRecord) error {
	if len(rec.Keys) == 0 {
		if _, err := p.kv.Delete(ctx, p.key(user)); err != nil {
			return err
		}
		if len(rec.Handle) > 0 {
			if _, err := p.kv.Delete(ctx, handleKey(rec.Handle)); err != nil {
				return err
			}
		}
		return nil
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return p.kv.Set(ctx, p.key(user), b, Forever)
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
