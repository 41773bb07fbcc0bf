package auth_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"golang.org/x/crypto/argon2"
)

// Passwords written in two Unicode forms (docs/contract.md, "Password
// hashing"): the same text typed on another keyboard or system.
const (
	nfcPassword  = "cr\u00e8me br\u00fbl\u00e9e \u00e0 minuit"                    // é as one character (most keyboards)
	nfdPassword  = "cre\u0300me bru\u0302le\u0301e a\u0300 minuit"                // e + combining accent (macOS text, some keyboards)
	wide         = "\uff54\uff45\uff41\uff0d\uff54\uff49\uff4d\uff45\u3000\uff17" // ｔｅａ－ｔｉｍｅ　７: an IME's full-width mode
	narrow       = "tea-time 7"
	unaccented   = "creme brulee a minuit"
	testArgonMem = 1024
)

// asTypedArgon2 is what a gateway before normalisation stored for
// password: an argon2id hash of its bytes as typed.
func asTypedArgon2(t *testing.T, password string) string {
	t.Helper()
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, 1, testArgonMem, 1, 32)
	return "$argon2id$v=19$m=1024,t=1,p=1$" + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(key)
}

// TestPasswordTypedInAnotherFormSignsIn: a password is the text, not the
// bytes one keyboard makes of it (NIST SP 800-63B §5.1.1.2: NFKC). Before,
// a password chosen with é typed as one character was refused when typed
// as e and a combining accent (or its full-width letters as plain ones),
// so its owner could not sign in from another system; and an account
// whose stored hash is of the bytes as typed still signs in that way, and
// from then on in any form, while a different text never does.
func TestPasswordTypedInAnotherFormSignsIn(t *testing.T) {
	ctx := context.Background()
	h := auth.NewHasher(auth.Argon2Params{MemoryKiB: testArgonMem, Iterations: 1, Parallelism: 1}, 2, time.Second)
	for _, tc := range []struct {
		name, stored, set, typed string // stored: a hash made before normalisation, else set is hashed now
		want                     bool
		after                    []string // forms that sign in once an old hash was replaced
	}{
		{name: "chosen composed, typed decomposed", set: nfcPassword, typed: nfdPassword, want: true},
		{name: "chosen decomposed, typed composed", set: nfdPassword, typed: nfcPassword, want: true},
		{name: "chosen full-width, typed plain", set: wide, typed: narrow, want: true},
		{name: "chosen plain, typed full-width", set: narrow, typed: wide, want: true},
		{name: "accents are not dropped", set: nfcPassword, typed: unaccented},
		{name: "old hash of decomposed bytes, typed so", stored: asTypedArgon2(t, nfdPassword), typed: nfdPassword, want: true, after: []string{nfcPassword, nfdPassword}},
		{name: "old hash of full-width bytes, typed so", stored: asTypedArgon2(t, wide), typed: wide, want: true, after: []string{narrow, wide}},
		{name: "old hash of decomposed bytes, another text", stored: asTypedArgon2(t, nfdPassword), typed: unaccented},
	} {
		t.Run(tc.name, func(t *testing.T) {
			users := storeusers.New(memstore.New(nil), "")
			stored := tc.stored
			if stored == "" {
				var err error
				if stored, err = h.Hash(ctx, tc.set); err != nil {
					t.Fatal(err)
				}
			}
			if err := users.Add(ctx, &auth.User{Username: "gina", Email: "gina@example.com", Phone: "+12015550144", PasswordHash: stored}); err != nil {
				t.Fatal(err)
			}
			a := auth.NewAuthenticator(users, h, nil)
			_, err := a.CheckPassword(ctx, "gina", tc.typed)
			if tc.want && err != nil {
				t.Fatalf("the password typed in another form is refused: %v", err)
			}
			if !tc.want {
				if !errors.Is(err, auth.ErrInvalidCredentials) {
					t.Fatalf("another password: %v, want ErrInvalidCredentials", err)
				}
				return
			}
			// An old hash was replaced: every form of the same text
			// signs in from now on.
			for _, form := range tc.after {
				if _, err := a.CheckPassword(ctx, "gina", form); err != nil {
					t.Errorf("after signing in with an old hash, %q is refused: %v", form, err)
				}
			}
		})
	}
}

// TestPasswordRulesJudgeWhatIsHashed: the rules for a new password
// (length, the common-password list, the account's own names) read the
// password as it is hashed, in NFKC. Before, full-width letters got a
// common password past the list (ｐａｓｓｗｏｒｄ１２３ is password123 to
// anyone who types it plainly), and the combining marks of a decomposed
// é counted as characters, so four letters passed a minimum of eight.
func TestPasswordRulesJudgeWhatIsHashed(t *testing.T) {
	p := auth.PasswordPolicy{MinLength: 8, MaxLength: 12}
	u := &auth.User{Username: "alice-smith", Email: "alice@example.com", Phone: "+12015550100"}
	for pw, want := range map[string]string{
		"\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44\uff11\uff12\uff13": "password.common",    // ｐａｓｓｗｏｒｄ１２３
		"\uff41\uff4c\uff49\uff43\uff45\uff0d\uff53\uff4d\uff49\uff54\uff48": "password.personal",  // ａｌｉｃｅ－ｓｍｉｔｈ
		"e\u0301e\u0301e\u0301e\u0301":                                       "password.too_short", // four é, eight code points
		"\ufdfa":                                                             "password.too_long",  // one character, eighteen in NFKC
		"de\u0301ja\u0300 vu e\u0301te\u0301":                                "",                   // déjà vu été: 15 code points, 11 once composed
	} {
		if got := p.Check(pw, u); got.ID != want {
			t.Errorf("Check(%+q) = %q (%s), want %q", pw, got.ID, got.Text, want)
		}
	}
}

// countingDeriver counts the argon2id derivations a Hasher makes.
type countingDeriver struct{ n atomic.Int32 }

func (d *countingDeriver) Argon2Key(_ context.Context, password, salt []byte, t, m uint32, p uint8, keyLen uint32) ([]byte, error) {
	d.n.Add(1)
	return argon2.IDKey(password, salt, t, m, p, keyLen), nil
}

// TestUnknownNameCostsWhatAFormCheckCosts: a password not in NFKC is
// checked twice against a known account's hash (its NFKC form, then as
// typed, for hashes made before normalisation), so a name no account has
// stands in for two checks too: else such a password would tell known
// names by time.
func TestUnknownNameCostsWhatAFormCheckCosts(t *testing.T) {
	ctx := context.Background()
	for _, typed := range []string{"a plain wrong one", nfdPassword} {
		counts := map[bool]int32{}
		for _, known := range []bool{true, false} {
			d := &countingDeriver{}
			h := auth.NewHasher(auth.Argon2Params{MemoryKiB: testArgonMem, Iterations: 1, Parallelism: 1}, 2, time.Second)
			h.SetDeriver(d)
			var u *auth.User
			if known {
				u = &auth.User{Username: "gina", PasswordHash: asTypedArgon2(t, "the right one")}
			}
			if _, err := auth.NewAuthenticator(nil, h, nil).VerifyUser(ctx, u, typed); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("VerifyUser(known %v) = %v", known, err)
			}
			counts[known] = d.n.Load()
		}
		if counts[true] != counts[false] {
			t.Errorf("%+q: a known name took %d derivations, an unknown one %d", typed, counts[true], counts[false])
		}
	}
}
