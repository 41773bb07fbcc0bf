package main

import (
	"encoding/json"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/softkey"
)

// storePasskeys opens the passkeys of the configuration at cfgPath (its
// store, named with its signing key) as the gateway would.
func storePasskeys(t *testing.T, cfgPath string) *auth.Passkeys {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, signer, closeStore, err := openStoreSigner(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeStore)
	rpID, name, origins := cfg.PasskeyRP()
	keys, err := auth.NewPasskeys(st, signer.DeriveKey("passkey"), auth.PasskeyConfig{RPID: rpID, RPDisplayName: name, Origins: origins}, auth.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// addPasskey registers a new software key named name for user, at
// origin, and returns it.
func addPasskey(t *testing.T, keys *auth.Passkeys, origin, user, name string) *softkey.Key {
	t.Helper()
	ctx := t.Context()
	u := &auth.User{Username: user}
	opts, err := keys.BeginRegistration(ctx, "registering", origin, u)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(opts)
	if err != nil {
		t.Fatal(err)
	}
	key := softkey.New(origin)
	answer, err := key.Create(body)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.FinishRegistration(ctx, "registering", u, name, answer); err != nil {
		t.Fatal(err)
	}
	return key
}
