package auth_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

// blockingDeriver is a hash worker busy for longer than anyone waits: it
// returns only when the caller's ctx ends, with ctx's error, as
// internal/hashworker does.
type blockingDeriver struct{ started chan struct{} }

func (d blockingDeriver) Argon2Key(ctx context.Context, _, _ []byte, _, _ uint32, _ uint8, _ uint32) ([]byte, error) {
	d.started <- struct{}{}
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestLoginClientGoneDuringHash: a client that hangs up during a slow
// password hash is a client that went away: the error is its context's
// (errors.Is context.Canceled), not a wrong password nor a store failure,
// and nothing logs the stored hash as unusable. Known and unknown logins
// end the same way; so does a hash computed in process.
func TestLoginClientGoneDuringHash(t *testing.T) {
	users := storeusers.New(memstore.New(nil), "")
	cheap := auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 2, time.Second)
	hash, err := cheap.Hash(context.Background(), "a fine passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if err := users.Add(context.Background(), &auth.User{Username: "erin", Email: "erin@example.com", Phone: "+12015550142", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	for _, login := range []string{"erin", "nobody"} {
		t.Run(login, func(t *testing.T) {
			var logs bytes.Buffer
			h := auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 2, time.Second)
			d := blockingDeriver{started: make(chan struct{}, 1)}
			h.SetDeriver(d)
			a := auth.NewAuthenticator(users, h, slog.New(slog.NewTextHandler(&logs, nil)))
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				<-d.started
				cancel() // the client hangs up during the hash
			}()
			_, err := a.CheckPassword(ctx, login, "wrong passphrase")
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error = %v, want one that is context.Canceled", err)
			}
			if errors.Is(err, auth.ErrInvalidCredentials) || errors.Is(err, auth.ErrStoreUnavailable) {
				t.Errorf("error = %v: a client that went away is neither a wrong password nor a store failure", err)
			}
			if strings.Contains(logs.String(), "unusable") || strings.Contains(logs.String(), "level=ERROR") {
				t.Errorf("logged as a problem:\n%s", logs.String())
			}
		})
	}
	t.Run("in process", func(t *testing.T) {
		h := auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}, 2, time.Second)
		a := auth.NewAuthenticator(users, h, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := a.CheckPassword(ctx, "erin", "wrong passphrase"); !errors.Is(err, context.Canceled) || errors.Is(err, auth.ErrInvalidCredentials) {
			t.Errorf("error = %v, want context.Canceled and no verdict", err)
		}
	})
}
