package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/internal/softkey"
)

// TestReset2FALeavesNoFactorAddedMeanwhile: bob has no phone, and a
// thief holds his password and a recovery code (a found sheet), signed
// in with both, adding a passkey of their own. The operator runs
// `gatehouse user reset-2fa bob` to take every second factor back; the
// thief's key is written after reset-2fa removed the account's keys and
// app, before it ended bob's sessions. Before, the key was kept (its
// session was still signed in once it was written), and signed the
// thief in, password and all, after reset-2fa. reset-2fa ends the
// account's sessions before it removes its factors too, so that a
// factor added by a session in flight is either found by the removal or
// taken away again by its own check (docs/contract.md, "Recovery
// codes").
func TestReset2FALeavesNoFactorAddedMeanwhile(t *testing.T) {
	t.Parallel()
	st, h := newHeldHarness(t, withAccounts, withPasskeys)
	ctx := context.Background()
	if err := h.users.SetPhone(ctx, bob.name, ""); err != nil {
		t.Fatal(err)
	}
	codes, err := h.recovery.Generate(ctx, bob.name)
	if err != nil {
		t.Fatal(err)
	}
	thief := h.newClient(t)
	thief.login(crmHost, bob)
	thief.api(crmHost, "recovery", map[string]string{"code": codes[0]}).wantStatus(t, http.StatusOK)
	r := thief.api(authHost, "passkeys/register/start", map[string]string{})
	r.wantStatus(t, http.StatusOK)
	key := softkey.New(publicURL)
	cred, err := key.Create(r.body)
	if err != nil {
		t.Fatal(err)
	}

	forget := &auth.Forget{Store: h.store, DeriveKey: h.signer.DeriveKey, Sessions: auth.NewSessions(h.store, auth.SessionConfig{
		IdleTimeout: h.cfg.Session.IdleTimeout, AbsoluteTimeout: h.cfg.Session.AbsoluteTimeout, RememberMe: h.cfg.Session.RememberMe,
	}, h.clock, nil)}
	// reset-2fa held once the keys and app are removed: at the lock of
	// the recovery codes it voids next.
	st.arm(func(op, key string) bool { return op == "setnx" && strings.HasPrefix(key, "rcl:") })
	reset := make(chan error, 1)
	go func() {
		_, _, _, err := forget.ResetFactors(ctx, bob.name)
		reset <- err
	}()
	select {
	case <-st.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("reset-2fa never reached the recovery codes")
	}
	thief.api(authHost, "passkeys/register", map[string]any{"name": "Mine", "credential": json.RawMessage(cred)})
	close(st.release)
	if err := <-reset; err != nil {
		t.Fatalf("reset-2fa: %v", err)
	}

	// The thief's key signs nobody in after reset-2fa.
	key.Origin = crmOrigin
	if r := usePasskey(t, h.newClient(t), key, true); r.status == http.StatusOK {
		t.Errorf("the thief's key signed in to bob after reset-2fa: %s", r.body)
	}
	if r := thief.get(crmHost, "/"); r.status == http.StatusOK {
		t.Errorf("the thief's session reached the app after reset-2fa")
	}
}
