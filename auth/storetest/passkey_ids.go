package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/internal/softkey"
)

// suiteOrigin is the page origin of the suite's passkey ceremonies.
const suiteOrigin = "https://auth.example.com"

// newSuitePasskeys is the passkey service of the suite over st.
func newSuitePasskeys(t *testing.T, st auth.Store) *auth.Passkeys {
	t.Helper()
	keys, err := auth.NewPasskeys(st, recoveryKey, auth.PasskeyConfig{RPID: "example.com", RPDisplayName: "Suite", Origins: []string{suiteOrigin}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// registerSuiteKey registers key for user in the session sessionID.
func registerSuiteKey(ctx context.Context, keys *auth.Passkeys, user, sessionID string, key *softkey.Key) error {
	u := &auth.User{Username: user}
	opts, err := keys.BeginRegistration(ctx, sessionID, suiteOrigin, u)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(opts)
	if err != nil {
		return err
	}
	body, err := key.Create(raw)
	if err != nil {
		return err
	}
	_, err = keys.FinishRegistration(ctx, sessionID, u, "Key", body)
	return err
}

// passkeyCredentialIDs: a credential id is registered once in the whole
// store (docs/contract.md, "Passkeys"; WebAuthn §7.1: refused when any
// account has it). A key made with the id of alice's (an attacker's key
// over her credential id) is refused for bob, and alice's own key again
// for alice; of 8 accounts registering one new id at the same moment
// exactly one gets it; the id is free again once alice's key is removed,
// and once an account is forgotten (auth.Forget, an account deleted).
func (s suite) passkeyCredentialIDs(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	keys := newSuitePasskeys(t, st)
	alices := softkey.New(suiteOrigin)
	if err := registerSuiteKey(ctx, keys, "alice", "s-alice", alices); err != nil {
		t.Fatalf("alice's key: %v", err)
	}
	forged := softkey.New(suiteOrigin)
	forged.ID = alices.ID
	if err := registerSuiteKey(ctx, keys, "bob", "s-bob", forged); !errors.Is(err, auth.ErrPasskeyInvalid) {
		t.Fatalf("bob registering alice's credential id: %v, want ErrPasskeyInvalid", err)
	}
	if err := registerSuiteKey(ctx, keys, "alice", "s-alice-2", alices.Clone()); !errors.Is(err, auth.ErrPasskeyInvalid) {
		t.Fatalf("alice registering her key again: %v, want ErrPasskeyInvalid", err)
	}
	if list, err := keys.List(ctx, "bob"); err != nil || len(list) != 0 {
		t.Fatalf("bob's keys after the refusal: %+v, %v; want none", list, err)
	}

	shared := softkey.New(suiteOrigin)
	results := concurrently(8, func(i int) (bool, error) {
		k := softkey.New(suiteOrigin)
		k.ID = shared.ID
		err := registerSuiteKey(ctx, keys, fmt.Sprintf("user%d", i), fmt.Sprintf("s-race-%d", i), k)
		if errors.Is(err, auth.ErrPasskeyInvalid) {
			return false, nil
		}
		return err == nil, err
	})
	if n := countTrue(t, results); n != 1 {
		t.Fatalf("one credential id registered by 8 accounts at once: %d accepted, want 1", n)
	}

	list, err := keys.List(ctx, "alice")
	if err != nil || len(list) != 1 {
		t.Fatalf("alice's keys: %+v, %v", list, err)
	}
	if _, err := keys.Remove(ctx, "alice", list[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := registerSuiteKey(ctx, keys, "bob", "s-bob-2", forged.Clone()); err != nil {
		t.Fatalf("bob registering the id once alice removed her key: %v", err)
	}
	forget := &auth.Forget{Store: st, DeriveKey: func(string) []byte { return recoveryKey }}
	if _, n, err := forget.Factors(ctx, "bob"); err != nil || n != 1 {
		t.Fatalf("forgetting bob's keys: %d, %v", n, err)
	}
	if err := registerSuiteKey(ctx, keys, "carol", "s-carol", forged.Clone()); err != nil {
		t.Fatalf("carol registering the id of a forgotten account's key: %v", err)
	}
}
