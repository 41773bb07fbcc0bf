package storeusers_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
)

// refusingStore is a memory store that refuses one command on keys
// starting with prefix while broken is set: a Redis that drops the
// connection in the middle of an activation.
type refusingStore struct {
	*memstore.Store
	cmd, prefix string
	broken      bool
}

func (s *refusingStore) refuses(cmd, key string) error {
	if s.broken && cmd == s.cmd && strings.HasPrefix(key, s.prefix) {
		return fmt.Errorf("%s: %w", cmd, auth.ErrStoreUnavailable)
	}
	return nil
}

func (s *refusingStore) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := s.refuses("expire", key); err != nil {
		return false, err
	}
	return s.Store.Expire(ctx, key, ttl)
}

func (s *refusingStore) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := s.refuses("setnx", key); err != nil {
		return false, err
	}
	return s.Store.SetNX(ctx, key, value, ttl)
}

func (s *refusingStore) SAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	if err := s.refuses("sadd", key); err != nil {
		return err
	}
	return s.Store.SAdd(ctx, key, member, ttl)
}

func (s *refusingStore) ZAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	if err := s.refuses("zadd", key); err != nil {
		return err
	}
	return s.Store.ZAdd(ctx, key, member, ttl)
}

func (s *refusingStore) CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	if err := s.refuses("cas", key); err != nil {
		return false, err
	}
	return s.Store.CompareAndSwap(ctx, key, old, value, ttl)
}

// TestActivationIsWhole: an activation that fails half-way (the store
// refuses the one command that claims the number for good, lists
// the account, or writes the record) leaves the sign-up pending: no
// account yet, and the next try activates it whole; abandoned, it
// expires, and its person can sign up again with the name and number
// (docs/contract.md, "Sign-up"). Before, the record was written active
// first: a failed extension of the number's claim left an account whose
// claim expired with the reservation (a second account then got the
// number, and a sign-in by the number named it), a failed listing an
// account the console never showed, and either way the retry answered
// "no such sign-up", the record no longer pending.
func TestActivationIsWhole(t *testing.T) {
	const bobs = "+12015550101"
	const reservation = 5 * time.Minute
	for _, tc := range []struct{ name, cmd, prefix string }{
		{"the number's claim kept", "setnx", "user:p:"},
		{"the account listed", "sadd", "user:all"},
		{"the account indexed", "zadd", "user:ix"},
		{"its group listed", "sadd", "user:g:"},
		{"the record written", "cas", storeusers.RecordKeyPrefix},
	} {
		for _, retry := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/retried=%v", tc.name, retry), func(t *testing.T) {
				ctx := t.Context()
				clock := storetest.NewClock(time.Now())
				st := &refusingStore{Store: memstore.New(clock), cmd: tc.cmd, prefix: tc.prefix}
				b := storeusers.New(st, "")
				bob := user("bob", "", bobs)
				bob.Groups = []string{"members"}
				if err := b.Reserve(ctx, bob, reservation); err != nil {
					t.Fatal(err)
				}
				st.broken = true
				if err := b.Activate(ctx, "bob", bobs); !errors.Is(err, auth.ErrStoreUnavailable) {
					t.Fatalf("Activate with the store refusing %s: %v, want ErrStoreUnavailable", tc.cmd, err)
				}
				st.broken = false
				if u, err := b.Lookup(ctx, "bob"); !errors.Is(err, auth.ErrUserNotFound) {
					t.Errorf("bob after a failed activation: %+v, %v; want no account yet (still pending)", u, err)
				}
				if !retry {
					clock.Advance(reservation + time.Second)
					if u, err := b.Lookup(ctx, "bob"); !errors.Is(err, auth.ErrUserNotFound) {
						t.Errorf("bob once the abandoned sign-up expired: %+v, %v; want no account", u, err)
					}
					if err := b.Reserve(ctx, user("bob", "", bobs), reservation); err != nil {
						t.Errorf("bob signing up again with his number: %v, want it reserved", err)
					}
					return
				}
				if err := b.Activate(ctx, "bob", bobs); err != nil {
					t.Fatalf("Activate again once the store is back: %v, want the account made", err)
				}
				clock.Advance(reservation + time.Second)
				if u, err := b.Lookup(ctx, bobs); err != nil || u.Username != "bob" {
					t.Errorf("Lookup of bob's number after the reservation: %+v, %v; want bob", u, err)
				}
				// A sign-up claims its number when its code comes back
				// (docs/contract.md, "Sign-up"): carol's, were it to.
				if err := b.Reserve(ctx, user("carol", "", bobs), reservation); err != nil {
					t.Fatalf("carol signing up with bob's number: %v, want a pending sign-up that claims nothing", err)
				}
				var ce *auth.ConflictError
				if err := b.Activate(ctx, "carol", bobs); !errors.As(err, &ce) || ce.Field != "phone" {
					t.Errorf("carol's sign-up with bob's number activated: %v, want it taken", err)
				}
				if page, _, err := b.Page(ctx, "", 10); err != nil || len(page) != 1 || page[0].Username != "bob" {
					t.Errorf("the console's accounts: %v, %v; want bob", names(page), err)
				}
				if ms, err := b.GroupMembers(ctx, "members"); err != nil || len(ms) != 1 {
					t.Errorf("members: %v, %v; want bob", names(ms), err)
				}
			})
		}
	}
}
