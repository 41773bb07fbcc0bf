package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"golang.org/x/crypto/bcrypt"
)

// TestBcryptTailNeverBecomesThePassword: bcrypt checks only the first 72
// bytes of a password, so a sign-in with the right 72 bytes and any tail
// is accepted by a bcrypt hash (as by every bcrypt implementation). That
// unchecked tail must not become the password: before, the upgrade to
// argon2id after the sign-in hashed the password as typed, so a typo
// past byte 72 (or someone who knew the first 72 bytes) replaced the
// owner's passphrase, which was refused from then on.
func TestBcryptTailNeverBecomesThePassword(t *testing.T) {
	ctx := context.Background()
	users := storeusers.New(memstore.New(nil), "")
	head := strings.Repeat("correct horse battery staple ", 3)[:72]
	owners := head + " and the rest of it"
	// What htpasswd and other truncating bcrypt tools store for it.
	stored, err := bcrypt.GenerateFromPassword([]byte(head), 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := users.Add(ctx, &auth.User{Username: "erin", Email: "erin@example.com", Phone: "+12015550142", PasswordHash: string(stored)}); err != nil {
		t.Fatal(err)
	}
	h := auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 2, time.Second)
	a := auth.NewAuthenticator(users, h, nil)
	if _, err := a.CheckPassword(ctx, "erin", head+" and the rest of IT"); err != nil {
		t.Fatalf("the right first 72 bytes against a bcrypt hash: %v", err)
	}
	if _, err := a.CheckPassword(ctx, "erin", owners); err != nil {
		t.Errorf("the owner's passphrase is refused after a sign-in with another tail: %v", err)
	}
	// A password bcrypt saw whole is upgraded as before.
	short := "a fine passphrase"
	stored, _ = bcrypt.GenerateFromPassword([]byte(short), 4)
	if err := users.Add(ctx, &auth.User{Username: "finn", Email: "finn@example.com", Phone: "+12015550143", PasswordHash: string(stored)}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CheckPassword(ctx, "finn", short); err != nil {
		t.Fatal(err)
	}
	if u, _ := users.Lookup(ctx, "finn"); !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Error("a bcrypt hash of a password of 72 bytes or fewer was not upgraded")
	}
}
