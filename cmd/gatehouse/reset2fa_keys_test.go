package main

import (
	"os"
	"strings"
	"testing"

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
