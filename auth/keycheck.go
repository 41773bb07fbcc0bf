package auth

// The fingerprint of the derivation key in the store (docs/contract.md,
// "Identity headers"): every name the store keeps per account (its
// authenticator app, passkeys, recovery codes, bans, known devices) is
// keyed from the derivation key, so a gateway started with another one
// finds none of them and says nothing. The store keeps a fingerprint of
// the key its records were written under, and a gateway or operator
// command with another key refuses to use it.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// ErrDerivationKeyChanged is returned when the store keeps the
// fingerprint of another derivation key than the one configured: its
// records were written under that key, and none of them would be found.
var ErrDerivationKeyChanged = errors.New("the store's records were written under another derivation key")

// fingerprintKey is the store key of the derivation key's fingerprint.
const fingerprintKey = "derivation-key"

// KeyFingerprint is the fingerprint the store keeps of the key deriveKey
// derives from (Signer.DeriveKey): HMAC-SHA256 of a fixed label under a
// key derived for it alone. It names the key without giving it away,
// and tells nothing about any other derived key.
func KeyFingerprint(deriveKey func(purpose string) []byte) []byte {
	m := hmac.New(sha256.New, deriveKey("derivation key fingerprint"))
	m.Write([]byte("gatehouse: the store's records are derived from this key"))
	return m.Sum(nil)
}

// CheckDerivationKey compares fingerprint (KeyFingerprint) with the one
// st keeps, and keeps it when st keeps none yet (a new store, or one
// written before fingerprints were kept). Errors: ErrDerivationKeyChanged
// (wrapped) for another fingerprint, or the store's.
func CheckDerivationKey(ctx context.Context, st Store, fingerprint []byte) error {
	for {
		kept, err := st.Get(ctx, fingerprintKey)
		switch {
		case err == nil && hmac.Equal(kept, fingerprint):
			return nil
		case err == nil:
			return fmt.Errorf("identity: %w", ErrDerivationKeyChanged)
		case !errors.Is(err, ErrNotFound):
			return err
		}
		ok, err := st.SetNX(ctx, fingerprintKey, fingerprint, Forever)
		if err != nil || ok {
			return err
		}
		// Another gateway kept its fingerprint meanwhile: compare with it.
	}
}

// AdoptDerivationKey makes fingerprint the one st keeps, whatever it
// kept before, and reports whether that was another: an operator's
// explicit start over under a new derivation key, which leaves the
// records kept under the old one behind (docs/contract.md, "Command
// line").
func AdoptDerivationKey(ctx context.Context, st Store, fingerprint []byte) (bool, error) {
	kept, err := st.Get(ctx, fingerprintKey)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return false, err
	}
	if err := st.Set(ctx, fingerprintKey, fingerprint, Forever); err != nil {
		return false, err
	}
	return kept != nil && !bytes.Equal(kept, fingerprint), nil
}

// KeyGate holds a gateway's store to the derivation key of its current
// configuration: Expect checks a configuration's key against the store
// before it serves, and a store that could not be asked then (down when
// the gateway started) is checked at its first use, every use failing
// closed until it has been.
type KeyGate struct {
	mu          sync.Mutex
	st          Store
	fingerprint []byte
	checked     atomic.Bool
	// refused is the error of a check that found another key: every
	// later use fails with it, without asking the store again.
	refused error
	// inflight is closed when the check Ready is making ends (nil: none
	// in flight), and lastErr is what it found: requests arriving
	// meanwhile share it rather than each making its own in turn, one
	// timeout each while the store does not answer.
	inflight chan struct{}
	lastErr  error
}

// NewKeyGate returns a gate over st that has checked nothing yet:
// Expect must be called before Ready lets anything through.
func NewKeyGate(st Store) *KeyGate { return &KeyGate{st: st} }

// Expect makes fingerprint the key the store must keep. A gate not
// given one yet takes it; when the store cannot be asked it is checked
// later, by Ready. A change of key (a reload) is taken only once the
// store, asked now, keeps it: a store that cannot be asked keeps the key
// the gate had. Errors: ErrDerivationKeyChanged (wrapped), or the store's
// for a change it could not check.
func (g *KeyGate) Expect(ctx context.Context, fingerprint []byte) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	first := g.fingerprint == nil
	if !first && bytes.Equal(fingerprint, g.fingerprint) {
		if g.refused != nil {
			return g.refused
		}
		return nil
	}
	err := CheckDerivationKey(ctx, g.st, fingerprint)
	switch {
	case err == nil:
		g.fingerprint, g.refused = bytes.Clone(fingerprint), nil
		g.checked.Store(true)
		return nil
	case first && !errors.Is(err, ErrDerivationKeyChanged):
		g.fingerprint = bytes.Clone(fingerprint) // checked at first use
		return nil
	}
	return err
}

// Ready returns nil once the store has been found to keep the expected
// key, checking it now if it has not been yet; until then every use of
// the store fails with ErrStoreUnavailable (wrapped), and for good when
// the store keeps another key. Uses arriving while a check is in flight
// share its answer, each waiting no longer than its ctx allows.
func (g *KeyGate) Ready(ctx context.Context) error {
	if g.checked.Load() {
		return nil
	}
	g.mu.Lock()
	switch {
	case g.checked.Load():
		g.mu.Unlock()
		return nil
	case g.refused != nil:
		g.mu.Unlock()
		return g.refused
	case g.fingerprint == nil:
		g.mu.Unlock()
		return fmt.Errorf("identity: no derivation key expected yet: %w", ErrStoreUnavailable)
	case g.inflight != nil:
		done := g.inflight
		g.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			return fmt.Errorf("identity: derivation key not checked yet (%w): %w", ctx.Err(), ErrStoreUnavailable)
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		switch {
		case g.checked.Load():
			return nil
		case g.refused != nil:
			return g.refused
		}
		return g.lastErr
	}
	done, fingerprint := make(chan struct{}), g.fingerprint
	g.inflight = done
	g.mu.Unlock()
	// Shared: a request that gives up does not end it for the others
	// (the store's own timeout bounds it).
	err := CheckDerivationKey(context.WithoutCancel(ctx), g.st, fingerprint)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight = nil
	defer close(done)
	if !bytes.Equal(fingerprint, g.fingerprint) || g.checked.Load() {
		// A reload's Expect checked another key meanwhile: its answer
		// stands.
		if g.checked.Load() {
			return nil
		}
		return fmt.Errorf("identity: derivation key not checked yet: %w", ErrStoreUnavailable)
	}
	switch {
	case err == nil:
		g.checked.Store(true)
		return nil
	case errors.Is(err, ErrDerivationKeyChanged):
		g.refused = fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
		return g.refused
	}
	g.lastErr = err
	return err
}
