package auth

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

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
