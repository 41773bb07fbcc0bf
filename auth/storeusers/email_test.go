package storeusers_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

// TestSignupEmailStaysUnverified checks, on memory and a real Redis,
// that an email a person gave at sign-up is kept unverified through the
// reservation and its activation, naming no account, that accounts an administrator adds
// or invites are vouched for, and that an administrator's SetEmail
// vouches (moving the email's claim when it changes) without ending
// sessions (docs/contract.md, "Sign-up").
func TestSignupEmailStaysUnverified(t *testing.T) {
	backends(t, func(t *testing.T, b *storeusers.Backend, _ func(time.Duration)) {
		ctx := context.Background()
		in := user("mallory", "cfo@corp.example", "+12015550177")
		in.EmailUnverified = true
		if err := b.Reserve(ctx, in, time.Minute); err != nil {
			t.Fatal(err)
		}
		if p, err := b.Pending(ctx, "mallory"); err != nil || !p.EmailUnverified {
			t.Fatalf("pending: %+v, %v; want the email unverified", p, err)
		}
		if err := b.Activate(ctx, "mallory", "+12015550177"); err != nil {
			t.Fatal(err)
		}
		u, err := b.Lookup(ctx, "mallory")
		if err != nil || !u.EmailUnverified || u.AssertedEmail() != "" || u.Email != "cfo@corp.example" {
			t.Fatalf("after activation: %+v, %v; want the email kept, unverified, not asserted", u, err)
		}
		if n, err := b.Lookup(ctx, "cfo@corp.example"); !errors.Is(err, auth.ErrUserNotFound) {
			t.Fatalf("Lookup by the unproved email: %+v, %v; want none", n, err)
		}
		if err := b.Add(ctx, user("alice", "alice@example.com", "+12015550100")); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Invite(ctx, &auth.User{Username: "erin", Email: "erin@example.com"}, false); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"alice", "erin"} {
			if a, err := b.Lookup(ctx, name); err != nil || a.EmailUnverified || a.AssertedEmail() != a.Email {
				t.Errorf("%s (an administrator's): %+v, %v; want the email vouched for", name, a, err)
			}
		}

		if err := b.SetEmail(ctx, "mallory", "alice@example.com"); !errors.Is(err, auth.ErrExists) {
			t.Errorf("SetEmail to alice's email: %v, want a conflict", err)
		}
		if err := b.SetEmail(ctx, "mallory", "CFO@corp.example"); err != nil {
			t.Fatal(err)
		}
		v, err := b.Lookup(ctx, "cfo@corp.example")
		if err != nil || v.EmailUnverified || v.AssertedEmail() != "cfo@corp.example" || v.Generation != u.Generation {
			t.Fatalf("after SetEmail of the same email: %+v, %v; want it vouched for, the generation kept", v, err)
		}
		if err := b.SetEmail(ctx, "mallory", "mallory@example.net"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Lookup(ctx, "cfo@corp.example"); !errors.Is(err, auth.ErrUserNotFound) {
			t.Errorf("old email after SetEmail: %v, want it released", err)
		}
		if err := b.Add(ctx, user("cfo", "cfo@corp.example", "")); err != nil {
			t.Errorf("the released email cannot be given to another account: %v", err)
		}
		if w, err := b.Lookup(ctx, "mallory@example.net"); err != nil || w.Username != "mallory" || w.EmailUnverified {
			t.Errorf("new email: %+v, %v", w, err)
		}
	})
}

// TestEmailOfOldRecordsIsVouched checks records written before the
// unverified marker existed: they read as vouched for, as they were
// asserted before (the known limit of docs/contract.md, "Sign-up").
func TestEmailOfOldRecordsIsVouched(t *testing.T) {
	ctx := context.Background()
	st := memstore.New(nil)
	old, _ := json.Marshal(map[string]any{"username": "olga", "email": "olga@example.com", "password": hash, "created": 1})
	if err := st.Set(ctx, storeusers.RecordKeyPrefix+"olga", old, auth.Forever); err != nil {
		t.Fatal(err)
	}
	u, err := storeusers.New(st, "").Lookup(ctx, "olga")
	if err != nil || u.EmailUnverified || u.AssertedEmail() != "olga@example.com" {
		t.Fatalf("old record: %+v, %v; want its email asserted", u, err)
	}
}

// TestOldClaimOfAnUnprovedEmailGivesWay checks, on memory and a real
// Redis, a store where an earlier version claimed an email typed at
// sign-up: the claim names no account, an administrator gives the
// address to another account all the same, and the squatter's delete
// then frees nothing of it (docs/contract.md, "Sign-up"). Before, the
// claim named the squatter's account and refused the address to anyone
// else.
func TestOldClaimOfAnUnprovedEmailGivesWay(t *testing.T) {
	backends(t, func(t *testing.T, b *storeusers.Backend, _ func(time.Duration)) {
		ctx := context.Background()
		const email = "cfo@corp.example"
		squat := user("mallory", email, "+12015550177")
		squat.EmailUnverified = true
		if err := b.Reserve(ctx, squat, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := b.Activate(ctx, "mallory", "+12015550177"); err != nil {
			t.Fatal(err)
		}
		// What an earlier version's sign-up left, before the upgrade.
		staleClaim(t, b, "user:e:"+email, "mallory", time.Hour)
		steps := []struct {
			name  string
			do    func() error
			names string // the account the email names after, "" for none
		}{
			{"nothing", func() error { return nil }, ""},
			{"add", func() error { return b.Add(ctx, user("cfo", email, "")) }, "cfo"},
			{"its delete", func() error { return b.Delete(ctx, "cfo") }, ""},
			{"set-email", func() error {
				if err := b.Add(ctx, user("cfo2", "", "")); err != nil {
					return err
				}
				return b.SetEmail(ctx, "cfo2", "CFO@corp.example")
			}, "cfo2"},
			{"the squatter's delete", func() error { return b.Delete(ctx, "mallory") }, "cfo2"},
		}
		for _, s := range steps {
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			got, err := b.Lookup(ctx, email)
			switch {
			case err == nil && got.Username != s.names:
				t.Errorf("after %s: the email names %q, want %q", s.name, got.Username, s.names)
			case err != nil && (s.names != "" || !errors.Is(err, auth.ErrUserNotFound)):
				t.Errorf("after %s: %v, want it to name %q", s.name, err, s.names)
			}
		}
	})
}
