package storeusers_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// staleClaim writes key's claim for username as a claim written age ago
// and never released is (what a phone change cut off after its write, a
// failover that lost the release, or an earlier version left): its TTL
// is what is left of auth.Forever.
func staleClaim(t *testing.T, b *storeusers.Backend, key, username string, age time.Duration) {
	t.Helper()
	if err := storeusers.StoreOf(b).Set(context.Background(), key, []byte(username), auth.Forever-age); err != nil {
		t.Fatal(err)
	}
}

// TestStalePhoneClaimGivesWay checks, on memory and a real Redis, that a
// number's claim the account it names no longer backs (its record holds
// another number, or the account is gone) names no account and keeps
// the number from nobody, that account included, once it has stood
// longer than a change in flight takes; a claim just written is a change
// in flight and holds (docs/contract.md, "Store housekeeping"). Before,
// such a claim was kept for good: a sign-in by the number named the
// account that had left it, and no account, not even that one, could be
// given the number again without editing Redis by hand.
func TestStalePhoneClaimGivesWay(t *testing.T) {
	const (
		bobs   = "+12015550101"
		left   = "+12015550102" // bob's before a change whose release was lost
		gone   = "+12015550103" // a deleted account's
		inHand = "+12015550104" // claimed for bob a moment ago: his change in flight
	)
	backends(t, func(t *testing.T, b *storeusers.Backend, _ func(time.Duration)) {
		ctx := context.Background()
		if err := b.Add(ctx, user("bob", "", bobs)); err != nil {
			t.Fatal(err)
		}
		staleClaim(t, b, "user:p:"+left, "bob", time.Hour)
		staleClaim(t, b, "user:p:"+gone, "dora", 24*time.Hour)
		staleClaim(t, b, "user:p:"+inHand, "bob", 0)

		steps := []struct {
			name    string
			do      func() error
			wantErr error  // nil: done
			login   string // then Lookup(login) names names ("" none)
			names   string
		}{
			{"nothing", func() error { return nil }, nil, left, ""},
			{"a deleted account's number", func() error { return nil }, nil, gone, ""},
			{"bob's own number", func() error { return nil }, nil, bobs, "bob"},
			{"create carol with bob's old number", func() error { return b.Add(ctx, user("carol", "", left)) }, nil, left, "carol"},
			{"bob's delete", func() error { return b.Delete(ctx, "bob") }, nil, left, "carol"},
			{"give erin a deleted account's number", func() error {
				if err := b.Add(ctx, user("erin", "", "")); err != nil {
					return err
				}
				return b.SetPhone(ctx, "erin", gone)
			}, nil, gone, "erin"},
			{"create frank with a number a change in flight claims", func() error { return b.Add(ctx, user("frank", "", inHand)) }, auth.ErrExists, inHand, ""},
		}
		for _, s := range steps {
			if err := s.do(); !errors.Is(err, s.wantErr) {
				t.Fatalf("%s: %v, want %v", s.name, err, s.wantErr)
			}
			got, err := b.Lookup(ctx, s.login)
			switch {
			case err == nil && got.Username != s.names:
				t.Errorf("after %s: %s names %q, want %q", s.name, s.login, got.Username, s.names)
			case err != nil && (s.names != "" || !errors.Is(err, auth.ErrUserNotFound)):
				t.Errorf("after %s: Lookup(%s): %v, want it to name %q", s.name, s.login, err, s.names)
			}
		}
	})
}

// TestOwnStalePhoneClaimGivesWay: an account an old claim of a number
// still names, whose record no longer holds it, is given the number back
// (an administrator's set-phone). Before, its own claim refused it:
// "phone already registered", for good.
func TestOwnStalePhoneClaimGivesWay(t *testing.T) {
	backends(t, func(t *testing.T, b *storeusers.Backend, _ func(time.Duration)) {
		ctx := context.Background()
		if err := b.Add(ctx, user("bob", "", "+12015550101")); err != nil {
			t.Fatal(err)
		}
		staleClaim(t, b, "user:p:+12015550102", "bob", time.Hour)
		if err := b.SetPhone(ctx, "bob", "+12015550102"); err != nil {
			t.Fatalf("bob given back the number his stale claim names: %v", err)
		}
		if u, err := b.Lookup(ctx, "+12015550102"); err != nil || u.Username != "bob" {
			t.Errorf("Lookup of bob's number: %+v, %v", u, err)
		}
		if _, err := b.Lookup(ctx, "+12015550101"); !errors.Is(err, auth.ErrUserNotFound) {
			t.Errorf("bob's number before: %v, want it to name no account", err)
		}
	})
}

// hangUp is a store whose caller hangs up as soon as an account record
// is written, as a browser does that closes the page mid-request.
type hangUp struct {
	storeusers.Store
	cancel context.CancelFunc
}

func (h hangUp) CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	ok, err := h.Store.CompareAndSwap(ctx, key, old, value, ttl)
	if ok && strings.HasPrefix(key, storeusers.RecordKeyPrefix) {
		h.cancel()
	}
	return ok, err
}

// TestPhoneChangeCutOffReleasesTheOldNumber (real Redis): a phone change
// whose caller hangs up once the record is written still releases the
// old number's claim. Before, the release ran on the request's context,
// failed, and left the claim for good.
func TestPhoneChangeCutOffReleasesTheOldNumber(t *testing.T) {
	addr := testredis.Start(t)
	client, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, DialTimeout: time.Second, OpTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	st := redisstore.New(client, "t:", time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	b := storeusers.New(hangUp{Store: st, cancel: cancel}, "")
	if err := b.Add(ctx, user("bob", "", "+12015550101")); err != nil {
		t.Fatal(err)
	}
	_ = b.SetPhone(ctx, "bob", "+12015550102") // cut off: its error is the hang-up's
	if v, err := st.Get(context.Background(), "user:p:+12015550101"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("the old number's claim after a change cut off: %q, %v; want it released", v, err)
	}
}
