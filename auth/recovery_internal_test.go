package auth

import (
	"context"
	"errors"
	"testing"
)

// TestLegacyIssuedCodeDiesWithForget: a code an administrator issued
// before issue epochs existed (its key has no epoch) still works after
// the upgrade, once, until the account is forgotten; from then on it is
// refused (docs/contract.md, "Recovery codes").
func TestLegacyIssuedCodeDiesWithForget(t *testing.T) {
	ctx := context.Background()
	for _, forget := range []bool{false, true} {
		st := &mapStore{m: map[string][]byte{}}
		r := NewRecovery(st, []byte("0123456789abcdef0123456789abcdef"), nil)
		code, err := newRecoveryCode()
		if err != nil {
			t.Fatal(err)
		}
		// What Issue wrote before epochs.
		if err := st.Set(ctx, r.legacyIssuedKey("erin", r.hash("erin", code)), []byte{1}, IssuedCodeTTL); err != nil {
			t.Fatal(err)
		}
		if forget {
			if err := r.Forget(ctx, "erin"); err != nil {
				t.Fatal(err)
			}
		}
		spent, err := r.Use(ctx, "erin", FormatRecoveryCode(code))
		issued := spent.Issued
		switch {
		case forget && !errors.Is(err, ErrRecoveryCodeInvalid):
			t.Errorf("legacy issued code after Forget: issued=%v err=%v, want ErrRecoveryCodeInvalid", issued, err)
		case !forget && (err != nil || !issued):
			t.Errorf("legacy issued code after the upgrade: issued=%v err=%v, want it to work once", issued, err)
		}
	}
}
