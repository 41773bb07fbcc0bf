package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/softkey"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// storePasskeys opens the passkeys of the configuration at cfgPath (its
// store, named with its signing key) as the gateway would.
func storePasskeys(t *testing.T, cfgPath string) *auth.Passkeys {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, signer, closeStore, err := openStoreSigner(t.Context(), cfg)
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

// passwordlessSignIn signs in with key, passwordless, as whoever holds it
// would: the account it reaches, or the error that refused it.
func passwordlessSignIn(t *testing.T, keys *auth.Passkeys, origin string, key *softkey.Key) (auth.LoginResult, error) {
	t.Helper()
	ctx := t.Context()
	req, err := keys.BeginLogin(ctx, "attacker-session", origin, "", false)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := key.Get(body)
	if err != nil {
		t.Fatal(err)
	}
	return keys.FinishLogin(ctx, "attacker-session", true, cred)
}

// cliWorld writes a configuration for the operator commands on a fresh
// Redis (redis user backend, a signing key, passkeys on localhost:8080)
// and returns its path and the passkeys' origin.
func cliWorld(t *testing.T, prefix string) (cfgPath, origin string) {
	t.Helper()
	return cliWorldOf(t, prefix, "{ backend: redis }", "")
}

// cliWorldOf is cliWorld with users as the users section and, when
// listen is not "", serving there (with no admin listener, whose default
// port another test may hold).
func cliWorldOf(t *testing.T, prefix, users, listen string) (cfgPath, origin string) {
	t.Helper()
	return cliWorldAt(t, testredis.Start(t), prefix, users, listen)
}

// cliWorldAt is cliWorldOf on the Redis at addr.
func cliWorldAt(t *testing.T, addr, prefix, users, listen string) (cfgPath, origin string) {
	t.Helper()
	dir := t.TempDir()
	key := filepath.Join(dir, "gatehouse.key")
	if code, _, e := runCmd(t, "", "keygen", "-o", key); code != 0 {
		t.Fatal(e)
	}
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	origin = "http://localhost:8080"
	cfgPath = filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(`server:
  listen: %q
  admin_listen: ""
  public_url: %q
session: { secure: false }
store:
  driver: redis
  key_prefix: %q
  redis: { addrs: [%q] }
users: %s
hashing: { worker: false, argon2id: { memory_kib: 1024, iterations: 1, parallelism: 1 } }
identity: { signing_key_file: %q }
sms: { provider: console }
passkeys: { enabled: true, rp_id: localhost, origins: [%q] }
routes:
  - { name: crm, host: localhost, path_prefix: /, upstream: "http://127.0.0.1:9", policy: two_factor }
`, listen, origin, prefix, addr, users, key, origin)), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, origin
}

// cliStore loads the configuration at cfgPath and opens its store, as
// the operator commands do, closed when the test ends.
func cliStore(t *testing.T, cfgPath string) (*config.Config, *redisstore.Store) {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, closeStore, err := openStore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeStore)
	return cfg, st
}
