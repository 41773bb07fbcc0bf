package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"golang.org/x/crypto/bcrypt"
)

func TestLoginRehashesWeakHashes(t *testing.T) {
	ctx := context.Background()
	users := storeusers.New(memstore.New(nil), "")
	old, _ := bcrypt.GenerateFromPassword([]byte("a fine passphrase"), 4)
	if err := users.Add(ctx, &auth.User{Username: "erin", Email: "erin@example.com", Phone: "+12015550142", PasswordHash: string(old)}); err != nil {
		t.Fatal(err)
	}
	h := auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 2, time.Second)
	a := auth.NewAuthenticator(users, h, nil)
	if _, err := a.CheckPassword(ctx, "erin", "wrong"); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("wrong password: %v", err)
	}
	first, _ := users.Lookup(ctx, "erin")
	if first.PasswordHash != string(old) {
		t.Fatal("a failed login changed the hash")
	}
	if _, err := a.CheckPassword(ctx, "erin@example.com", "a fine passphrase"); err != nil {
		t.Fatal(err)
	}
	u, _ := users.Lookup(ctx, "erin")
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("bcrypt hash not upgraded: %s", u.PasswordHash[:10])
	}
	if u.Generation != first.Generation {
		t.Fatal("upgrading the hash of the same password changed the credential generation (and so ended the sessions)")
	}
	if _, err := a.CheckPassword(ctx, "erin", "a fine passphrase"); err != nil {
		t.Fatalf("login after rehash: %v", err)
	}
	// Stronger parameters later upgrade the argon2id hash too.
	strong := auth.NewHasher(auth.Argon2Params{MemoryKiB: 2048, Iterations: 2, Parallelism: 1}, 2, time.Second)
	if _, err := auth.NewAuthenticator(users, strong, nil).CheckPassword(ctx, "erin", "a fine passphrase"); err != nil {
		t.Fatal(err)
	}
	if u, _ := users.Lookup(ctx, "erin"); !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=2048,t=2,p=1$") {
		t.Fatalf("weak argon2id not upgraded: %s", u.PasswordHash[:30])
	}
}
