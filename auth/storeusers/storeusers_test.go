package storeusers_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

const hash = "$2a$04$abcdefghijklmnopqrstuuK0pKk7G2n2nYEAm1aUO5mB8S0bm4v5a"

func user(name, email, phone string) *auth.User {
	return &auth.User{Username: name, Email: email, Phone: phone, PasswordHash: hash, DisplayName: "N " + name}
}

// backends runs f against the memory store and a real Redis.
func backends(t *testing.T, f func(t *testing.T, b *storeusers.Backend, advance func(time.Duration))) {
	t.Run("memory", func(t *testing.T) {
		clock := storetest.NewClock(time.Now())
		f(t, storeusers.New(memstore.New(clock), ""), clock.Advance)
	})
	t.Run("redis", func(t *testing.T) {
		addr := testredis.Start(t)
		client, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, DialTimeout: time.Second, OpTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { client.Close() })
		f(t, storeusers.New(redisstore.New(client, "t:", time.Second), ""), time.Sleep)
	})
}

func TestBackend(t *testing.T) {
	backends(t, func(t *testing.T, b *storeusers.Backend, advance func(time.Duration)) {
		ctx := context.Background()
		if err := b.Add(ctx, user("alice", "Alice@Example.com", "+12015550100")); err != nil {
			t.Fatal(err)
		}
		for _, login := range []string{"alice", "ALICE", "alice@example.com", "ALICE@example.COM", "+1 201-555-0100", "+12015550100"} {
			u, err := b.Lookup(ctx, login)
			if err != nil || u.Username != "alice" || u.Phone != "+12015550100" {
				t.Errorf("Lookup(%q) = %+v, %v", login, u, err)
			}
		}
		for _, login := range []string{"bob", "bob@example.com", "+12015550199", ""} {
			if _, err := b.Lookup(ctx, login); !errors.Is(err, auth.ErrUserNotFound) {
				t.Errorf("Lookup(%q) err = %v", login, err)
			}
		}
		for _, tc := range []struct {
			u     *auth.User
			field string
		}{
			{user("alice", "a2@example.com", "+12015550101"), "username"},
			{user("Alice", "a2@example.com", "+12015550101"), "username"},
			{user("alice2", "alice@EXAMPLE.com", "+12015550101"), "email"},
			{user("alice3", "a3@example.com", "+12015550100"), "phone"},
		} {
			var ce *auth.ConflictError
			if err := b.Add(ctx, tc.u); !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, auth.ErrExists) {
				t.Errorf("Add(%s) err = %v, want conflict on %s", tc.u.Username, err, tc.field)
			}
		}
		// Failed claims left nothing behind: the unique parts are free.
		if err := b.Add(ctx, user("alice2", "a2@example.com", "+12015550101")); err != nil {
			t.Fatalf("claims leaked by failed adds: %v", err)
		}

		// Pending sign-ups are invisible, expire, and free their claims.
		if err := b.Reserve(ctx, user("carol", "carol@example.com", "+12015550102"), 200*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Lookup(ctx, "carol"); !errors.Is(err, auth.ErrUserNotFound) {
			t.Errorf("pending account visible: %v", err)
		}
		if u, err := b.Pending(ctx, "carol"); err != nil || u.Email != "carol@example.com" {
			t.Errorf("Pending = %+v, %v", u, err)
		}
		advance(300 * time.Millisecond)
		if err := b.Add(ctx, user("carol", "carol@example.com", "+12015550102")); err != nil {
			t.Fatalf("expired reservation still holds its claims: %v", err)
		}

		// Activation makes a reservation permanent.
		if err := b.Reserve(ctx, user("dan", "dan@example.com", "+12015550103"), 200*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if err := b.Activate(ctx, "dan", "+12015550103"); err != nil {
			t.Fatal(err)
		}
		advance(300 * time.Millisecond)
		if u, err := b.Lookup(ctx, "+12015550103"); err != nil || u.Username != "dan" {
			t.Fatalf("activated account lost: %+v %v", u, err)
		}

		// Changes.
		if err := b.SetPhone(ctx, "dan", "+12015550100"); !errors.Is(err, auth.ErrExists) {
			t.Errorf("SetPhone to alice's number: %v", err)
		}
		if err := b.SetPhone(ctx, "dan", "+12015550104"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Lookup(ctx, "+12015550103"); !errors.Is(err, auth.ErrUserNotFound) {
			t.Error("old phone still finds dan")
		}
		if err := b.SetPassword(ctx, "dan", "$2a$04$zzzzzzzzzzzzzzzzzzzzzuK0pKk7G2n2nYEAm1aUO5mB8S0bm4v5a"); err != nil {
			t.Fatal(err)
		}
		if err := b.SetDisabled(ctx, "dan", true); err != nil {
			t.Fatal(err)
		}
		if u, _ := b.Lookup(ctx, "dan"); !u.Disabled || u.PasswordHash == hash {
			t.Errorf("changes not saved: %+v", u)
		}
		list, err := b.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range list {
			names = append(names, u.Username)
		}
		if fmt.Sprint(names) != "[alice alice2 carol dan]" {
			t.Errorf("List = %v", names)
		}
		if err := b.Delete(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		if err := b.Add(ctx, user("alice9", "alice@example.com", "+12015550100")); err != nil {
			t.Fatalf("deleted account's email/phone still taken: %v", err)
		}
	})
}

// TestConcurrentSignups: of 20 sign-ups of one number, each pending
// (a pending sign-up claims no number: docs/contract.md, "Sign-up"),
// whose codes come back at once, exactly one becomes the number's
// account and the others stay no account.
func TestConcurrentSignups(t *testing.T) {
	backends(t, func(t *testing.T, b *storeusers.Backend, _ func(time.Duration)) {
		ctx := context.Background()
		const number = "+12015550200"
		for i := 0; i < 20; i++ {
			if err := b.Reserve(ctx, user(fmt.Sprint("racer", i), "", number), time.Minute); err != nil {
				t.Fatalf("racer%d's sign-up with a number another sign-up has pending: %v, want it pending", i, err)
			}
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := []string{}
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := fmt.Sprint("racer", i)
				err := b.Activate(ctx, name, number)
				if err == nil {
					mu.Lock()
					won = append(won, name)
					mu.Unlock()
				} else if !errors.Is(err, auth.ErrExists) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if len(won) != 1 {
			t.Fatalf("%d sign-ups won the same number: %v", len(won), won)
		}
		if u, err := b.Lookup(ctx, number); err != nil || u.Username != won[0] {
			t.Errorf("Lookup(%s) = %+v, %v; want %s", number, u, err, won[0])
		}
		for i := 0; i < 20; i++ {
			if name := fmt.Sprint("racer", i); name != won[0] {
				if u, err := b.Lookup(ctx, name); !errors.Is(err, auth.ErrUserNotFound) {
					t.Errorf("loser %s is an account: %+v, %v", name, u, err)
				}
			}
		}
	})
}
