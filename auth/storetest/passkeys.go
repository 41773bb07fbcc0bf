package storetest

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/internal/softkey"
)

// passkeyCeremonies runs the passkey service on the store
// (docs/contract.md, "Passkeys"): a key registered, then one answer to a
// passwordless sign-in sent by 8 concurrent requests, of which exactly
// one is accepted (the ceremony ends with the first delete); the key's
// use is recorded and a removed key no longer signs in.
func (s suite) passkeyCeremonies(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	const origin = "https://auth.example.com"
	keys, err := auth.NewPasskeys(st, recoveryKey, auth.PasskeyConfig{RPID: "example.com", RPDisplayName: "Suite", Origins: []string{origin}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	alice := &auth.User{Username: "alice"}
	opts, err := keys.BeginRegistration(ctx, "session-1", origin, alice)
	if err != nil {
		t.Fatal(err)
	}
	key := softkey.New(origin)
	body, err := key.Create(mustMarshal(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.FinishRegistration(ctx, "session-1", alice, "Key", body)
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	assertion, err := keys.BeginLogin(ctx, "session-2", origin, "", false)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := key.Get(mustMarshal(t, assertion))
	if err != nil {
		t.Fatal(err)
	}
	results := concurrently(8, func(int) (bool, error) {
		res, err := keys.FinishLogin(ctx, "session-2", true, answer)
		if errors.Is(err, auth.ErrPasskeyCeremony) {
			return false, nil
		}
		return err == nil && res.User == "alice" && res.UV, err
	})
	if n := countTrue(t, results); n != 1 {
		t.Fatalf("one passkey answer sent 8 times at once: %d accepted, want 1", n)
	}
	list, err := keys.List(ctx, "alice")
	if err != nil || len(list) != 1 || list[0].LastUsed.IsZero() {
		t.Fatalf("List after the sign-in: %+v, %v", list, err)
	}
	if _, err := keys.Remove(ctx, "alice", k.ID); err != nil {
		t.Fatal(err)
	}
	if assertion, err = keys.BeginLogin(ctx, "session-3", origin, "", false); err != nil {
		t.Fatal(err)
	}
	if answer, err = key.Get(mustMarshal(t, assertion)); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.FinishLogin(ctx, "session-3", true, answer); !errors.Is(err, auth.ErrPasskeyInvalid) {
		t.Fatalf("a removed key: %v, want ErrPasskeyInvalid", err)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
