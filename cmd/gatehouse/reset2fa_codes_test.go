package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestReset2FAVoidsTheAccountsRecoveryCodes: `gatehouse user reset-2fa`
// takes the account's second factors away because they may be in
// someone else's hands, and a set of recovery codes is one: whoever
// took the account over with the password and a SIM made a set, and
// after reset-2fa signed in with the password and one of its codes,
// then bound their own number (an account without a phone binds its
// first with a recovery code). The set, and any code issued before,
// stop working; the code reset-2fa prints works, also when the old set's
// guesses had banned the account's recovery codes (docs/contract.md,
// "Recovery codes").
func TestReset2FAVoidsTheAccountsRecoveryCodes(t *testing.T) {
	w := startOps(t, testredis.Start(t), "redis")
	cfg, err := config.Load(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	d, err := openOps(ctx, cfg, "ada")
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	rec := auth.NewRecovery(d.store, d.signer.DeriveKey("recovery"), auth.SystemClock{})
	set, err := rec.Generate(ctx, "ada") // the taker's set
	if err != nil {
		t.Fatal(err)
	}
	issued, err := rec.Issue(ctx, "ada") // an earlier administrator's code
	if err != nil {
		t.Fatal(err)
	}
	// The taker's guesses (or the owner's) banned the recovery codes.
	reg := forgetter(cfg, d).Regulator
	for range cfg.Regulation.MaxFailures {
		if _, err := reg.FailFactor(ctx, auth.FactorRecovery, "ada"); err != nil {
			t.Fatal(err)
		}
	}
	if err := reg.CheckFactor(ctx, auth.FactorRecovery, "ada"); err == nil {
		t.Fatal("the recovery codes are not banned")
	}

	code, out, e := runCmd(t, "", "user", "reset-2fa", "-c", w.cfg, "ada")
	m := issuedCodeRe.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("reset-2fa: %d\n%s%s", code, out, e)
	}
	if !strings.Contains(out, "recovery codes") {
		t.Errorf("reset-2fa does not say the recovery codes were voided:\n%s", out)
	}
	login := `{"username":"ada","password":"a long recovery passphrase"}`
	for _, tc := range []struct {
		name, code string
		want       int
	}{
		{"a code of the set made before", set[0], http.StatusUnauthorized},
		{"a code issued before", issued, http.StatusUnauthorized},
		{"the code reset-2fa printed", m[1], http.StatusOK},
	} {
		c := newJarClient()
		if st, r := w.post(t, c, "login", login); st != http.StatusForbidden {
			t.Fatalf("%s: login %d %v", tc.name, st, r)
		}
		if st, r := w.post(t, c, "recovery", `{"code":"`+tc.code+`"}`); st != tc.want {
			t.Errorf("%s after reset-2fa: %d %v, want %d", tc.name, st, r, tc.want)
		}
	}
	if st, err := rec.Status(ctx, "ada"); err != nil || st.Made || st.Left != 0 {
		t.Errorf("ada's set after reset-2fa: %+v (%v), want none", st, err)
	}
}

// TestIssueRecoveryWorksThroughTheLock: someone with ada's password
// locked her recovery codes by guessing them; she has lost her phone,
// and an administrator runs `gatehouse user issue-recovery`. The code
// it prints signs her in after the password at once: issuing ends the
// run, ban and lock of the account's recovery codes, as reset-2fa does
// (docs/contract.md, "Recovery codes"). Before, it was refused 429
// banned for the rest of the lock, up to a day.
func TestIssueRecoveryWorksThroughTheLock(t *testing.T) {
	w := startOps(t, testredis.Start(t), "redis")
	cfg, err := config.Load(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	d, err := openOps(ctx, cfg, "ada")
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	reg := forgetter(cfg, d).Regulator
	for range max(cfg.Regulation.MaxFailures, cfg.Regulation.MaxAccountFailures) {
		if _, err := reg.FailFactor(ctx, auth.FactorRecovery, "ada"); err != nil {
			t.Fatal(err)
		}
	}
	if err := reg.CheckFactor(ctx, auth.FactorRecovery, "ada"); err == nil {
		t.Fatal("the recovery codes are not locked")
	}

	code, out, e := runCmd(t, "", "user", "issue-recovery", "-c", w.cfg, "ada")
	m := issuedCodeRe.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("issue-recovery: %d\n%s%s", code, out, e)
	}
	c := newJarClient()
	if st, r := w.post(t, c, "login", `{"username":"ada","password":"a long recovery passphrase"}`); st != http.StatusOK {
		t.Fatalf("login: %d %v", st, r)
	}
	if st, r := w.post(t, c, "recovery", `{"code":"`+m[1]+`"}`); st != http.StatusOK {
		t.Errorf("the code issue-recovery printed: %d %v, want 200", st, r)
	}
}
