package auth_test

// The passkey checks of docs/contract.md, "Passkeys", that the
// ceremonies' other tests do not reach: registration answers refused,
// registration options, a disabled account's key, and which ceremony an
// answer may finish.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/internal/softkey"
	"github.com/go-webauthn/webauthn/protocol"
)

// TestPasskeyRegistrationRefusals: a registration answer made on another
// origin, in a frame of another site, without anyone present, or
// claiming a backup without being eligible for one adds no key.
func TestPasskeyRegistrationRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(k *softkey.Key)
	}{
		{"another origin", func(k *softkey.Key) { k.Origin = "https://auth.example.com.evil.test" }},
		{"framed by another site", func(k *softkey.Key) { k.TopOrigin = "https://evil.test" }},
		{"nobody present", func(k *softkey.Key) { k.NoUP = true }},
		{"backed up but not eligible", func(k *softkey.Key) { k.BS = true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newLoginWorld(t)
			ctx := context.Background()
			u, err := w.users.Lookup(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			sess := w.signIn(t)
			opts, err := w.login.PasskeyRegisterStart(ctx, client, sess, u)
			if err != nil {
				t.Fatal(err)
			}
			key := softkey.New(pkOrigin)
			tc.spoil(key)
			body, err := key.Create(mustJSON(t, opts))
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := w.login.PasskeyRegisterFinish(ctx, client, sess, u, "Key", body); !errors.Is(err, auth.ErrPasskeyInvalid) {
				t.Fatalf("error %v, want ErrPasskeyInvalid", err)
			}
			if keys, err := w.login.PasskeyList(ctx, "alice"); err != nil || len(keys) != 0 {
				t.Fatalf("keys %+v (%v), want none", keys, err)
			}
		})
	}
}

// TestPasskeyOfADisabledAccountSignsNobodyIn: a disabled account's key
// answers a passwordless sign-in in vain (401, as an unknown key), a
// session waiting for its key after the password starts no ceremony, and
// the key signs in again once the account is enabled.
func TestPasskeyOfADisabledAccountSignsNobodyIn(t *testing.T) {
	w := newLoginWorld(t)
	ctx := context.Background()
	key, _ := w.registerKey(t, w.signIn(t), "Key")
	pending := w.passwordOnly(t).Session
	if err := w.users.SetDisabled(ctx, "alice", true); err != nil {
		t.Fatal(err)
	}
	if _, err := w.keyLogin(t, nil, key); !errors.Is(err, auth.ErrPasskeyInvalid) {
		t.Fatalf("a disabled account's key: %v, want ErrPasskeyInvalid", err)
	}
	if _, _, err := w.login.PasskeyLoginStart(ctx, client, pending, false, false); !errors.Is(err, auth.ErrPasswordFirst) {
		t.Fatalf("the key after a password given before the account was disabled: %v, want ErrPasswordFirst", err)
	}
	if err := w.users.SetDisabled(ctx, "alice", false); err != nil {
		t.Fatal(err)
	}
	if st, err := w.keyLogin(t, nil, key); err != nil || st.Session.User != "alice" {
		t.Fatalf("enabled again: %v", err)
	}
}

// TestPasskeyCeremonyBelongsToItsSessionAndKind: an answer finishes only
// the ceremony of its own session (not one started in another browser)
// and of its own kind: a registration's challenge signs nobody in, a
// sign-in's registers no key, and a passwordless sign-in's is not one
// after the password (each refused as no ceremony, which ends it).
func TestPasskeyCeremonyBelongsToItsSessionAndKind(t *testing.T) {
	w := newLoginWorld(t)
	ctx := context.Background()
	key, _ := w.registerKey(t, w.signIn(t), "Key")
	u, err := w.users.Lookup(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}

	// Another browser's session answers the victim's ceremony.
	st, opts, err := w.login.PasskeyLoginStart(ctx, client, nil, true, false)
	if err != nil {
		t.Fatal(err)
	}
	body, err := key.Get(mustJSON(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := w.login.PasskeyLoginStart(ctx, client, nil, true, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.login.PasskeyLoginFinish(ctx, client, other.Session, true, body); !errors.Is(err, auth.ErrPasskeyInvalid) && !errors.Is(err, auth.ErrPasskeyCeremony) {
		t.Fatalf("another session's answer: %v, want a refusal", err)
	}
	// The passwordless ceremony answered as one after the password.
	pending := w.passwordOnly(t).Session
	pending.ID = st.Session.ID
	if _, err := w.login.PasskeyLoginFinish(ctx, client, pending, false, body); !errors.Is(err, auth.ErrPasskeyCeremony) {
		t.Fatalf("a passwordless ceremony finished after the password: %v, want ErrPasskeyCeremony", err)
	}

	// A registration's challenge answered as a sign-in.
	proved, err := w.keyLogin(t, w.signIn(t), key) // fresh proofs to add a key
	if err != nil {
		t.Fatal(err)
	}
	sess := proved.Session
	created, err := w.login.PasskeyRegisterStart(ctx, client, sess, u)
	if err != nil {
		t.Fatal(err)
	}
	body, err = key.Get(mustJSON(t, created))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.login.PasskeyLoginFinish(ctx, client, sess, true, body); !errors.Is(err, auth.ErrPasskeyCeremony) {
		t.Fatalf("a registration's challenge as a sign-in: %v, want ErrPasskeyCeremony", err)
	}
	// A sign-in's challenge answered as a registration.
	st, opts, err = w.login.PasskeyLoginStart(ctx, client, sess, false, false)
	if err != nil {
		t.Fatal(err)
	}
	body, err = softkey.New(pkOrigin).Create(mustJSON(t, opts))
	if err == nil {
		_, _, err = w.login.PasskeyRegisterFinish(ctx, client, st.Session, u, "New", body)
	}
	if !errors.Is(err, auth.ErrPasskeyCeremony) {
		t.Fatalf("a sign-in's challenge as a registration: %v, want ErrPasskeyCeremony", err)
	}
}

// creationOptions is what a test reads of registration options.
type creationOptions struct {
	PublicKey struct {
		User struct {
			ID protocol.URLEncodedBase64 `json:"id"`
		} `json:"user"`
		Attestation string `json:"attestation"`
		Exclude     []struct {
			ID protocol.URLEncodedBase64 `json:"id"`
		} `json:"excludeCredentials"`
	} `json:"publicKey"`
}

func readCreation(t *testing.T, opts any) creationOptions {
	t.Helper()
	var o creationOptions
	if err := json.Unmarshal(mustJSON(t, opts), &o); err != nil {
		t.Fatal(err)
	}
	return o
}

// TestPasskeyRegistrationOptions: the options of a registration name the
// account by a user handle of 32 random bytes (never its name; the same
// for each of its keys, another for another account), ask for no
// attestation, and exclude the account's keys.
func TestPasskeyRegistrationOptions(t *testing.T) {
	w := newLoginWorld(t)
	ctx := context.Background()
	key, sess := w.registerKey(t, w.signIn(t), "Key")
	u, err := w.users.Lookup(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	proved, err := w.keyLogin(t, sess, key) // fresh proofs, the key included
	if err != nil {
		t.Fatal(err)
	}
	opts, err := w.login.PasskeyRegisterStart(ctx, client, proved.Session, u)
	if err != nil {
		t.Fatal(err)
	}
	pk := readCreation(t, opts).PublicKey
	if len(pk.User.ID) != 32 || strings.Contains(string(pk.User.ID), "alice") || !bytes.Equal(pk.User.ID, key.UserHandle) {
		t.Errorf("user handle %x: want the 32 random bytes her first key got, never her name", []byte(pk.User.ID))
	}
	if pk.Attestation != "none" {
		t.Errorf("attestation %q, want none", pk.Attestation)
	}
	if len(pk.Exclude) != 1 || !bytes.Equal(pk.Exclude[0].ID, key.ID) {
		t.Errorf("excluded %d keys, want her key", len(pk.Exclude))
	}
	other, err := w.passkeys.BeginRegistration(ctx, "another-session", pkOrigin, &auth.User{Username: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if h := readCreation(t, other).PublicKey.User.ID; len(h) != 32 || bytes.Equal(h, key.UserHandle) {
		t.Errorf("bob's handle %x: want 32 bytes of his own", []byte(h))
	}
}

// TestPasskeyCeremonyExpires: a challenge waits PasskeyCeremonyTTL for
// its answer; later the answer finds no ceremony (410 passkey_expired).
func TestPasskeyCeremonyExpires(t *testing.T) {
	w := newLoginWorld(t)
	ctx := context.Background()
	key, _ := w.registerKey(t, w.signIn(t), "Key")
	st, opts, err := w.login.PasskeyLoginStart(ctx, client, nil, true, false)
	if err != nil {
		t.Fatal(err)
	}
	body, err := key.Get(mustJSON(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(auth.PasskeyCeremonyTTL + time.Second)
	if _, err := w.login.PasskeyLoginFinish(ctx, client, st.Session, true, body); !errors.Is(err, auth.ErrPasskeyCeremony) {
		t.Fatalf("an answer after %v: %v, want ErrPasskeyCeremony", auth.PasskeyCeremonyTTL, err)
	}
}
