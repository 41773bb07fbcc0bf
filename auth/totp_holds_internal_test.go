package auth

import (
	"context"
	"crypto/cipher"
	"testing"
	"time"
)

// countingAEAD counts the secrets it opens.
type countingAEAD struct {
	cipher.AEAD
	opened int
}

func (a *countingAEAD) Open(dst, nonce, ciphertext, ad []byte) ([]byte, error) {
	a.opened++
	return a.AEAD.Open(dst, nonce, ciphertext, ad)
}

// TestTOTPHoldsOpensNoSecret: asking whether a sign-in's app is still
// the account's, once its session is written (Login.keepProof), compares
// the sealed records and decrypts nothing: the code was checked already.
// It still tells the same app from one removed or replaced meanwhile.
// Before, each sign-in with an app's code decrypted its secret a second
// time for this question.
func TestTOTPHoldsOpensNoSecret(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, a *TOTP)
		want   bool
	}{
		{"the same app", func(*testing.T, *TOTP) {}, true},
		{"removed", func(t *testing.T, a *TOTP) {
			if err := a.Remove(ctx, "alice"); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"replaced", func(t *testing.T, a *TOTP) {
			// What a new enrolment writes: another secret, sealed.
			rec, err := a.seal("alice", "JBSWY3DPEHPK3PXP")
			if err != nil {
				t.Fatal(err)
			}
			if err := a.kv.Set(ctx, a.key("alice"), rec, Forever); err != nil {
				t.Fatal(err)
			}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := NewTOTP(&mapStore{m: map[string][]byte{}}, []byte("totp-names-key-0123456789abcdef!"), []byte("0123456789abcdef0123456789abcdef"), "Acme", nil)
			if err != nil {
				t.Fatal(err)
			}
			secret := enrolForTest(t, a)
			code, err := totpCode(secret, time.Now().Unix()/int64(TOTPPeriod/time.Second))
			if err != nil {
				t.Fatal(err)
			}
			app, err := a.CheckApp(ctx, "alice", code)
			if err != nil {
				t.Fatal(err)
			}
			tc.change(t, a)
			counted := &countingAEAD{AEAD: a.aead}
			a.aead = counted
			if held, err := a.Holds(ctx, "alice", app); err != nil || held != tc.want {
				t.Fatalf("Holds = %v, %v; want %v", held, err, tc.want)
			}
			if counted.opened != 0 {
				t.Fatalf("Holds opened %d secrets, want none", counted.opened)
			}
		})
	}
}

// enrolForTest sets alice's app up on a, with a code of the step before
// the current one (so that the current step's code is still free), and
// returns its secret.
func enrolForTest(t *testing.T, a *TOTP) string {
	t.Helper()
	ctx := context.Background()
	e, err := a.Begin(ctx, "alice", "owner")
	if err != nil {
		t.Fatal(err)
	}
	code, err := totpCode(e.Secret, time.Now().Unix()/int64(TOTPPeriod/time.Second)-1)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Confirm(ctx, "alice", "owner", code); err != nil {
		t.Fatal(err)
	}
	return e.Secret
}
