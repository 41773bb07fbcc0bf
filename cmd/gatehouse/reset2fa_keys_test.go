package main

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestReset2FARemovesPasskeys: `gatehouse user reset-2fa` takes the
// account's passkeys away with its phone and app (a lost phone that held
// a passkey must not go on signing in) and says so.
func TestReset2FARemovesPasskeys(t *testing.T) {
	w := startOps(t, testredis.Start(t), "redis")
	raw, err := os.ReadFile(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	origin := "http://localhost:" + strings.Split(w.addr, ":")[1]
	withKeys := string(raw) + "passkeys: { enabled: true, rp_id: localhost, origins: [\"" + origin + "\"] }\n"
	if err := os.WriteFile(w.cfg, []byte(withKeys), 0o600); err != nil {
		t.Fatal(err)
	}
	keys := storePasskeys(t, w.cfg)
	addPasskey(t, keys, origin, "ada", "Phone")
	ctx := t.Context()

	code, out, e := runCmd(t, "", "user", "reset-2fa", "-c", w.cfg, "ada")
	if code != 0 || !strings.Contains(out, "passkeys (1) were removed") {
		t.Fatalf("reset-2fa: %d\n%s%s", code, out, e)
	}
	if left, err := keys.List(ctx, "ada"); err != nil || len(left) != 0 {
		t.Fatalf("after reset-2fa ada has keys %v (%v)", left, err)
	}
}

// TestReset2FAEndsSessionsOfAnAccountWithoutAPhone: `reset-2fa` of an
// account that signs in with a passkey and has no phone ends the
// sessions that key signed in, as it says it does (before, only a phone
// cleared ended them, by changing the credential generation: the
// passkeys went, and a thief's session of the stolen key lived on).
func TestReset2FAEndsSessionsOfAnAccountWithoutAPhone(t *testing.T) {
	w := startOps(t, testredis.Start(t), "redis")
	raw, err := os.ReadFile(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	origin := "http://localhost:" + strings.Split(w.addr, ":")[1]
	withKeys := string(raw) + "passkeys: { enabled: true, rp_id: localhost, origins: [\"" + origin + "\"] }\n"
	if err := os.WriteFile(w.cfg, []byte(withKeys), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, e := runCmd(t, "a long recovery passphrase\n", "user", "add", "-c", w.cfg, "bea"); code != 0 {
		t.Fatalf("user add: %d\n%s%s", code, out, e)
	}
	addPasskey(t, storePasskeys(t, w.cfg), origin, "bea", "Phone")

	// The key's session (a passwordless sign-in: both factors).
	cfg, err := config.Load(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	d, err := openOps(ctx, cfg, "bea")
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	sessions := forgetter(cfg, d).Sessions
	sess, err := sessions.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := sessions.AddKeyProof(ctx, sess, d.user, true, auth.SignIn{}); err != nil {
		t.Fatal(err)
	}

	code, out, e := runCmd(t, "", "user", "reset-2fa", "-c", w.cfg, "bea")
	if code != 0 || !strings.Contains(out, "every session of the account has ended") {
		t.Fatalf("reset-2fa: %d\n%s%s", code, out, e)
	}
	if _, err := sessions.Load(ctx, sess.ID); !errors.Is(err, auth.ErrSessionNotFound) {
		t.Fatalf("the key's session after reset-2fa: %v; want it ended", err)
	}
}
