package auth

// Credential ids are registered once (docs/contract.md, "Passkeys";
// WebAuthn §7.1: a registration is refused when any account has the
// id). Each account's record is its own store key, so the store keeps,
// beside the records, "pk:c:" + SHA-256 of each id, naming the account
// that holds it: written with SetNX, so of two accounts registering one
// id at the same moment exactly one gets it.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// ErrPasskeyRegistered is a registration whose credential id is
// registered already, to this account or another (clients see
// ErrPasskeyInvalid's answer, the same for both).
var ErrPasskeyRegistered = fmt.Errorf("%w: credential registered already", ErrPasskeyInvalid)

func credKey(id []byte) string {
	sum := sha256.Sum256(id)
	return "pk:c:" + hex.EncodeToString(sum[:])
}

// claim enters id as user's and reports whether it is user's now: false
// when another account holds it. A claim already naming user is one left
// by a registration of user's that was not saved, or a key entered before
// this index existed (claimAll): it is user's.
func (p *Passkeys) claim(ctx context.Context, user string, id []byte) (bool, error) {
	won, err := p.kv.SetNX(ctx, credKey(id), []byte(user), Forever)
	if err != nil || won {
		return won, err
	}
	b, err := p.kv.Get(ctx, credKey(id))
	if errors.Is(err, ErrNotFound) {
		return false, nil // released this instant: refused, the person tries again
	}
	if err != nil {
		return false, err
	}
	return string(b) == user, nil
}

// claimAll enters every key of rec, user's record, that is not entered
// yet: records written before the index existed are entered at their
// account's next change (a sign-in, a key added or removed). A key whose
// id another account entered first keeps working; the id stays that
// account's.
func (p *Passkeys) claimAll(ctx context.Context, user string, rec *passkeyRecord) error {
	for _, k := range rec.Keys {
		if _, err := p.claim(ctx, user, k.Cred.ID); err != nil {
			return err
		}
	}
	rec.Claimed = true
	return nil
}

// release frees the ids of keys user no longer has, where user holds
// them. It runs after the record is saved without them (update), and a
// failure is not reported: a claim left behind only refuses its id to
// other accounts (stricter), and user's own next registration of it
// takes it back.
func (p *Passkeys) release(ctx context.Context, user string, ids ...[]byte) {
	ctx = context.WithoutCancel(ctx)
	for _, id := range ids {
		b, err := p.kv.Get(ctx, credKey(id))
		if err == nil && string(b) == user {
			_, _ = p.kv.Delete(ctx, credKey(id))
		}
	}
}
