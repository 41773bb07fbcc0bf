package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// TestNameRemovedWhileStoppedIsForgotten: the operator removes a departed
// person from users.yaml while no gateway runs (a rollout on a changed
// ConfigMap, a restart after a configuration-management run), and months
// later gives the name to someone else. Before, the start recorded the
// removal (admin_user_deleted) and forgot nothing: the departed person's
// passkey, authenticator app and recovery codes stayed in the store for
// good, one set per person who ever left, and the old holder's passkey
// signed in to the new holder's account, passwordless. A name gone from
// the file since the content last recorded is forgotten once the
// gateway's poll confirms its reading, as one a running gateway sees go
// (docs/contract.md, "users.yaml (file backend)"); a name removed and
// added back while stopped keeps what the store has of it.
func TestNameRemovedWhileStoppedIsForgotten(t *testing.T) {
	usersPath := filepath.Join(t.TempDir(), "users.yaml")
	listen := freeAddr(t)
	cfgPath, origin := cliWorldOf(t, "frs:", fmt.Sprintf("{ backend: file, file: %q }", usersPath), listen)
	add := func(name, pass, phone string) {
		t.Helper()
		if code, out, e := runCmd(t, pass+"\n", "user", "add", "-c", cfgPath, "--phone", phone, name); code != 0 {
			t.Fatalf("user add %s: %d\n%s%s", name, code, out, e)
		}
	}
	add("ada", "the old holder's passphrase", "+1 201 555 0140")
	add("cy", "cy's own passphrase", "+1 201 555 0142")
	keys := storePasskeys(t, cfgPath)
	ctx := t.Context()
	t.Run("first start", func(t *testing.T) {
		runServe(t, cfgPath, listen)
		time.Sleep(time.Second) // records the file's print
	})
	oldKey := addPasskey(t, keys, origin, "ada", "Old holder's phone")
	cyKey := addPasskey(t, keys, origin, "cy", "Cy's phone")
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	st, signer, closeStore, err := openStoreSigner(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeStore)
	rec := auth.NewRecovery(st, signer.DeriveKey("recovery"), nil)
	if _, err := rec.Generate(ctx, "ada"); err != nil {
		t.Fatal(err)
	}

	// Stopped, ada leaves the file; cy is removed and added back in one
	// edit, which keeps what the store has of it.
	if err := os.WriteFile(usersPath, []byte("users: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	add("cy", "cy's own passphrase", "+1 201 555 0142")
	t.Run("start after the edit", func(t *testing.T) {
		runServe(t, cfgPath, listen)
		deadline := time.Now().Add(15 * time.Second)
		for {
			left, err := keys.List(ctx, "ada")
			if err == nil && len(left) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("ada left the file while no gateway ran; her passkeys stay in the store after a start: %v (%v)", left, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	if st, err := rec.Status(ctx, "ada"); err != nil || st.Made || st.Left != 0 {
		t.Errorf("ada's recovery codes after the start: %+v (%v), want none", st, err)
	}
	if left, err := keys.List(ctx, "cy"); err != nil || len(left) != 1 {
		t.Errorf("cy, still in the file, lost her passkey: %v (%v)", left, err)
	}
	if res, err := passwordlessSignIn(t, keys, origin, cyKey); err != nil || res.User != "cy" {
		t.Errorf("cy's key no longer signs her in: %+v (%v)", res.User, err)
	}

	// Later, someone else gets the name.
	add("ada", "the new holder's passphrase", "+1 201 555 0141")
	if res, err := passwordlessSignIn(t, keys, origin, oldKey); err == nil {
		t.Fatalf("the old holder's key signs in to the new ada: %+v (uv %v)", res.User, res.UV)
	}
}
