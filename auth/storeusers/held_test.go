package storeusers_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestDeletedNameIsHeld: a deleted account's name is held for good
// (docs/contract.md, "Names of deleted accounts"): no account (Lookup,
// the lists, every change), its email and phone free, a sign-up's
// reservation refused as for a taken name (never told it is held), an
// administrator's create refused with ErrNameHeld unless it says so, and
// given back to the hold when such a create fails half-way. A pending
// sign-up released holds nothing.
func TestDeletedNameIsHeld(t *testing.T) {
	backends(t, func(t *testing.T, b *storeusers.Backend, _ func(time.Duration)) {
		ctx := context.Background()
		if err := b.Add(ctx, user("alice", "alice@example.com", "+12015550100")); err != nil {
			t.Fatal(err)
		}
		if err := b.Delete(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		held := func(want bool) {
			t.Helper()
			if got, err := b.NameHeld(ctx, "alice"); err != nil || got != want {
				t.Fatalf("NameHeld(alice) = %v, %v; want %v", got, err, want)
			}
		}
		held(true)
		// A replica of an earlier version, which knows no hold, reads it as
		// a disabled account without password or phone: refused everything.
		raw, err := storeusers.StoreOf(b).Get(ctx, storeusers.RecordKeyPrefix+"alice")
		var old struct {
			Disabled        bool
			Password, Phone string
		}
		if err != nil || json.Unmarshal(raw, &old) != nil || !old.Disabled || old.Password != "" || old.Phone != "" {
			t.Errorf("the hold as an earlier version reads it: %s (%v), want a disabled account without password or phone", raw, err)
		}
		if _, err := b.Lookup(ctx, "alice"); !errors.Is(err, auth.ErrUserNotFound) {
			t.Errorf("Lookup of a held name: %v, want ErrUserNotFound", err)
		}
		if list, err := b.List(ctx); err != nil || len(list) != 0 {
			t.Errorf("List with a held name = %v, %v; want none", list, err)
		}
		if page, _, err := b.Page(ctx, "", 10); err != nil || len(page) != 0 {
			t.Errorf("Page with a held name = %v, %v; want none", page, err)
		}
		for name, change := range map[string]func() error{
			"Delete":      func() error { return b.Delete(ctx, "alice") },
			"SetPassword": func() error { return b.SetPassword(ctx, "alice", hash) },
			"SetDisabled": func() error { return b.SetDisabled(ctx, "alice", true) },
			"SetPhone":    func() error { return b.SetPhone(ctx, "alice", "+12015550109") },
		} {
			if err := change(); !errors.Is(err, auth.ErrUserNotFound) {
				t.Errorf("%s of a held name: %v, want ErrUserNotFound", name, err)
			}
		}
		held(true)

		var ce *auth.ConflictError
		if err := b.Reserve(ctx, user("alice", "a-new@example.com", "+12015550111"), time.Minute); !errors.As(err, &ce) || ce.Field != "username" || ce.Held || errors.Is(err, auth.ErrNameHeld) {
			t.Errorf("a sign-up's reservation of a held name: %v, want a taken name's conflict", err)
		}
		if err := b.Add(ctx, user("alice", "a-new@example.com", "+12015550111")); !errors.Is(err, auth.ErrNameHeld) || !errors.Is(err, auth.ErrExists) {
			t.Errorf("Add of a held name: %v, want ErrNameHeld", err)
		}
		if _, err := b.Invite(ctx, user("alice", "a-new@example.com", ""), false); !errors.Is(err, auth.ErrNameHeld) {
			t.Errorf("Invite of a held name: %v, want ErrNameHeld", err)
		}
		// The deleted account's email and phone are free.
		if err := b.Add(ctx, user("alice9", "alice@example.com", "+12015550100")); err != nil {
			t.Fatalf("the deleted account's email or phone is still taken: %v", err)
		}
		// A reuse that fails on its email holds the name again.
		if _, err := b.AddReusingName(ctx, user("alice", "alice@example.com", "")); !errors.As(err, &ce) || ce.Field != "email" {
			t.Fatalf("a reuse with a taken email: %v, want a conflict on email", err)
		}
		held(true)
		if reused, err := b.AddReusingName(ctx, user("alice", "a-new@example.com", "")); err != nil || !reused {
			t.Fatalf("AddReusingName(alice) = %v, %v; want reused", reused, err)
		}
		held(false)
		if u, err := b.Lookup(ctx, "a-new@example.com"); err != nil || u.Username != "alice" {
			t.Fatalf("the account given the name: %+v, %v", u, err)
		}
		if reused, err := b.Invite(ctx, user("erin", "erin@example.com", ""), true); err != nil || reused {
			t.Errorf("Invite(erin, reuse) of a free name = %v, %v; want made, not reused", reused, err)
		}
		if _, err := b.AddReusingName(ctx, user("alice", "a-third@example.com", "")); !errors.As(err, &ce) || ce.Held {
			t.Errorf("a reuse of a name an account has: %v, want a taken name's conflict", err)
		}

		// A pending sign-up never was an account: released, it holds nothing.
		if err := b.Reserve(ctx, user("carol", "carol@example.com", "+12015550102"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := b.Release(ctx, "carol"); err != nil {
			t.Fatal(err)
		}
		if got, err := b.NameHeld(ctx, "carol"); err != nil || got {
			t.Errorf("a released sign-up's name held: %v, %v", got, err)
		}
		if err := b.Reserve(ctx, user("carol", "carol@example.com", "+12015550102"), time.Minute); err != nil {
			t.Errorf("a released sign-up's name: %v", err)
		}
	})
}

// TestReleasedSignUpFreesNoHold: a pending sign-up's release (its send
// failed) that read the pending record while `gatehouse user
// hold-deleted` replaced it with the name's hold deleted the record
// whatever it held by then: the hold, and the name was free again.
// The release now deletes only the pending record it read.
func TestReleasedSignUpFreesNoHold(t *testing.T) {
	pausingStores(t, func(t *testing.T, st *pausingStore) {
		ctx := t.Context()
		b := storeusers.New(st, "")
		if err := b.Reserve(ctx, user("cyd", "stranger@example.net", "+12015550177"), time.Minute); err != nil {
			t.Fatal(err)
		}
		st.mu.Lock()
		st.armed = true
		st.mu.Unlock()
		done := make(chan error, 1)
		go func() { done <- b.Release(ctx, "cyd") }()
		select {
		case <-st.held:
		case err := <-done:
			t.Fatalf("the release ended without deleting the record: %v", err)
		}
		if ok, err := b.Hold(ctx, "cyd"); err != nil || !ok {
			t.Fatalf("Hold(cyd) of a pending sign-up = %v, %v; want held", ok, err)
		}
		close(st.release)
		if err := <-done; err != nil {
			t.Fatalf("the release: %v", err)
		}
		if held, err := b.NameHeld(ctx, "cyd"); err != nil || !held {
			t.Fatalf("NameHeld(cyd) after a release in flight = %v, %v; want the hold kept", held, err)
		}
	})
}

// TestJournalKeepsADeletedNamesHold: a delete acknowledged by a Redis
// master and lost in a failover is written again on the promoted
// replica, as the hold (docs/contract.md, "Failover durability"): the
// name is still refused to a sign-up there. A hold lost would free the
// name to the first stranger after every failover.
func TestJournalKeepsADeletedNamesHold(t *testing.T) {
	ctx := t.Context()
	oldAddr, newAddr := testredis.Start(t), testredis.Start(t)
	j := redisstore.NewJournal(time.Minute, 0, nil)
	open := func(addr string) *storeusers.Backend {
		client, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, DialTimeout: time.Second, OpTimeout: time.Second}, redisstore.WithReplay(j))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = client.Close() })
		return storeusers.New(redisstore.New(client, "p:", time.Second).WithJournal(j), "")
	}
	old := open(oldAddr)
	if err := old.Add(ctx, user("alice", "alice@example.com", "+12015550100")); err != nil {
		t.Fatal(err)
	}
	// The replica has everything the master had before the delete.
	copyKeys(t, oldAddr, newAddr)
	if err := old.Delete(ctx, "alice"); err != nil {
		t.Fatal(err)
	}

	promoted := open(newAddr)
	err := promoted.Reserve(ctx, user("alice", "stranger@example.net", "+12015550177"), time.Minute)
	if !errors.Is(err, auth.ErrExists) {
		t.Fatalf("a sign-up with the deleted name after the failover: %v, want refused as taken", err)
	}
	if held, err := promoted.NameHeld(ctx, "alice"); err != nil || !held {
		t.Fatalf("NameHeld(alice) after the failover = %v, %v", held, err)
	}
}

// copyKeys copies every string key of one Redis to another, as a
// replica has them.
func copyKeys(t *testing.T, from, to string) {
	t.Helper()
	ctx := t.Context()
	src, err := redisstore.NewClient(config.Redis{Addrs: []string{from}, DialTimeout: time.Second, OpTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := redisstore.NewClient(config.Redis{Addrs: []string{to}, DialTimeout: time.Second, OpTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	keys, err := src.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if typ, _ := src.Type(ctx, k).Result(); typ != "string" {
			continue // the lists: a sign-up does not read them
		}
		v, err := src.Get(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if err := dst.Set(ctx, k, v, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFailedReservationFreesNoHold: a sign-up's reservation whose number
// another pending sign-up held (its claim failed after the name's and the
// email's) gave back what it had claimed by deleting the keys whatever
// they held by then. Where `gatehouse user hold-deleted` held the name in
// between (the reservation racing the upgrade's one run), the name's
// hold went with it and the deleted person's name was free again; and
// the hold, freeing the claims of the pending record it replaced, freed
// the number the other sign-up held, which the racing reservation then
// took (and a third sign-up could have). A reservation now claims its
// name alone (docs/contract.md, "Sign-up"): one with another pending
// sign-up's number is made, a hold that replaces it stays, and frees
// nothing of the other sign-up, whose code still makes it the number's
// account (docs/contract.md, "Names of deleted accounts").
func TestFailedReservationFreesNoHold(t *testing.T) {
	ctx := context.Background()
	run := func(t *testing.T, st storeusers.Store) {
		b := storeusers.New(st, "")
		if err := b.Reserve(ctx, user("amy", "amy@example.com", "+12015550188"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := b.Reserve(ctx, user("cyd", "cyd@example.net", "+12015550188"), time.Minute); err != nil {
			t.Fatalf("Reserve(cyd) with amy's pending number = %v; want pending too", err)
		}
		if ok, err := b.Hold(ctx, "cyd"); err != nil || !ok {
			t.Fatalf("Hold(cyd) of a pending sign-up = %v, %v; want held", ok, err)
		}
		if err := b.Release(ctx, "cyd"); err != nil {
			t.Fatal(err)
		}
		if held, err := b.NameHeld(ctx, "cyd"); err != nil || !held {
			t.Errorf("NameHeld(cyd) after the sign-up's release = %v, %v; want the hold kept", held, err)
		}
		if err := b.Reserve(ctx, user("dan", "dan@example.org", "+12015550188"), time.Minute); err != nil {
			t.Errorf("Reserve(dan) with amy's pending number = %v; want pending too", err)
		}
		if err := b.Activate(ctx, "amy", "+12015550188"); err != nil {
			t.Fatalf("Activate(amy) = %v; want the number hers", err)
		}
		if u, err := b.Lookup(ctx, "+12015550188"); err != nil || u.Username != "amy" {
			t.Errorf("Lookup of amy's number = %+v, %v; want amy", u, err)
		}
	}
	t.Run("memory", func(t *testing.T) { run(t, memstore.New(nil)) })
	t.Run("redis", func(t *testing.T) {
		addr := testredis.Start(t)
		client, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, DialTimeout: time.Second, OpTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = client.Close() })
		run(t, redisstore.New(client, "t:", time.Second))
	})
}
