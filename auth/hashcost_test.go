package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

// TestACostBeyondWhatIsCheckedLocksNobodyOut: a Hasher whose parameters
// are beyond what a stored hash may cost (more than
// auth.MaxArgon2Iterations passes) makes no hash at all, so a sign-in's
// upgrade of an older hash keeps the account's own, and it signs in
// again. Before, the upgrade stored a hash of 101 passes, which every
// later check refused as unusable: the account was locked out by its
// first sign-in after the cost was raised, and every sign-up made an
// account that could never sign in.
func TestACostBeyondWhatIsCheckedLocksNobodyOut(t *testing.T) {
	ctx := context.Background()
	users := storeusers.New(memstore.New(nil), "")
	stored := asTypedArgon2(t, "a fine passphrase") // 1 pass: weaker, upgraded at sign-in
	if err := users.Add(ctx, &auth.User{Username: "hana", Email: "hana@example.com", Phone: "+12015550145", PasswordHash: stored}); err != nil {
		t.Fatal(err)
	}
	h := auth.NewHasher(auth.Argon2Params{MemoryKiB: 8, Iterations: auth.MaxArgon2Iterations + 1, Parallelism: 1}, 2, time.Second)
	a := auth.NewAuthenticator(users, h, nil)
	for i := range 2 {
		if _, err := a.CheckPassword(ctx, "hana", "a fine passphrase"); err != nil {
			t.Fatalf("sign-in %d: %v", i+1, err)
		}
	}
	if enc, err := h.Hash(ctx, "another passphrase"); err == nil {
		t.Errorf("Hash made %s, a hash every check refuses", enc[:strings.LastIndexByte(enc, '$')])
	}
}
