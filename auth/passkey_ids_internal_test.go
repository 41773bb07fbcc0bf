package auth

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/softkey"
)

// TestLegacyPasskeysAreClaimedAtTheNextChange: a record written before
// credential ids were entered in their index (no claim, Claimed false)
// is entered at its account's next sign-in; from then on another
// account's key over its id is refused (docs/contract.md, "Passkeys").
func TestLegacyPasskeysAreClaimedAtTheNextChange(t *testing.T) {
	ctx := context.Background()
	const origin = "https://auth.example.com"
	p, err := NewPasskeys(&mapStore{m: map[string][]byte{}}, []byte("0123456789abcdef0123456789abcdef"),
		PasskeyConfig{RPID: "example.com", RPDisplayName: "Test", Origins: []string{origin}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	register := func(user, sessionID string, key *softkey.Key) error {
		t.Helper()
		u := &User{Username: user}
		opts, err := p.BeginRegistration(ctx, sessionID, origin, u)
		if err != nil {
			t.Fatal(err)
		}
		body, err := key.Create(mustJSONOf(t, opts))
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.FinishRegistration(ctx, sessionID, u, "Key", body)
		return err
	}
	key := softkey.New(origin)
	if err := register("alice", "s1", key); err != nil {
		t.Fatal(err)
	}
	// What the previous version left: the record without its claims.
	rec, err := p.load(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	rec.Claimed = false
	if err := p.save(ctx, "alice", rec); err != nil {
		t.Fatal(err)
	}
	if _, err := p.kv.Delete(ctx, credKey(key.ID)); err != nil {
		t.Fatal(err)
	}

	opts, err := p.BeginLogin(ctx, "s2", origin, "", false)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := key.Get(mustJSONOf(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.FinishLogin(ctx, "s2", true, answer); err != nil {
		t.Fatalf("alice's sign-in: %v", err)
	}
	forged := softkey.New(origin)
	forged.ID = key.ID
	if err := register("bob", "s3", forged); !errors.Is(err, ErrPasskeyRegistered) {
		t.Fatalf("bob registering alice's id after her sign-in: %v, want ErrPasskeyRegistered", err)
	}
}

func mustJSONOf(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// unlockHookStore is a mapStore whose first Set of a passkey record
// fails, and which runs then once, right after the account's passkey lock
// is released: another request that was waiting on the lock.
type unlockHookStore struct {
	*mapStore
	record string // the passkey record's key
	failed bool
	then   func()
}

func (s *unlockHookStore) Set(ctx context.Context, k string, v []byte, ttl time.Duration) error {
	if k == s.record && !s.failed {
		s.failed = true
		return ErrStoreUnavailable
	}
	return s.mapStore.Set(ctx, k, v, ttl)
}

func (s *unlockHookStore) CompareAndDelete(ctx context.Context, k string, old []byte) (bool, error) {
	ok, err := s.mapStore.CompareAndDelete(ctx, k, old)
	if strings.HasPrefix(k, "pkl:") && s.then != nil {
		then := s.then
		s.then = nil
		then()
	}
	return ok, err
}

// TestFailedRegistrationReleasesUnderTheLock: a registration whose
// record cannot be saved gives its credential id's entry back before it
// lets go of the account's lock. Released after, it deleted the entry
// of the same key registered by the request that took the lock next:
// the key was then the account's with no entry, free for another
// account to register (docs/contract.md, "Passkeys").
func TestFailedRegistrationReleasesUnderTheLock(t *testing.T) {
	ctx := context.Background()
	const origin = "https://auth.example.com"
	store := &unlockHookStore{mapStore: &mapStore{m: map[string][]byte{}}}
	p, err := NewPasskeys(store, []byte("0123456789abcdef0123456789abcdef"),
		PasskeyConfig{RPID: "example.com", RPDisplayName: "Test", Origins: []string{origin}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	store.record = p.key("alice")
	alice := &User{Username: "alice"}
	key := softkey.New(origin)
	begin := func(sessionID string) []byte {
		opts, err := p.BeginRegistration(ctx, sessionID, origin, alice)
		if err != nil {
			t.Fatal(err)
		}
		body, err := key.Create(mustJSONOf(t, opts))
		if err != nil {
			t.Fatal(err)
		}
		return body
	}
	first, second := begin("s1"), begin("s2")
	var secondErr error
	store.then = func() { _, secondErr = p.FinishRegistration(ctx, "s2", alice, "Key", second) }
	if _, err := p.FinishRegistration(ctx, "s1", alice, "Key", first); !errors.Is(err, ErrStoreUnavailable) {
		t.Fatalf("the registration whose record failed: %v, want ErrStoreUnavailable", err)
	}
	if secondErr != nil {
		t.Fatalf("the registration waiting on the lock: %v", secondErr)
	}
	if owner, err := store.Get(ctx, credKey(key.ID)); err != nil || string(owner) != "alice" {
		t.Fatalf("the entry of alice's saved key: %q, %v; want alice's", owner, err)
	}
}
