package storeusers_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// pausingStore holds the first account record write made once armed
// until the test lets it go: the change that makes it has read the
// record and is about to write it back, and another change lands in
// between (what a thief with a stolen session tries for, sending
// record-writing requests back to back).
type pausingStore struct {
	storeusers.Store
	mu      sync.Mutex
	armed   bool
	held    chan struct{} // closed once the write is held
	release chan struct{} // closed to let it go
}

func newPausingStore(st storeusers.Store) *pausingStore {
	return &pausingStore{Store: st, held: make(chan struct{}), release: make(chan struct{})}
}

// pause holds the caller if key is an account record's and the store is
// armed, disarming it.
func (p *pausingStore) pause(key string) {
	if !strings.HasPrefix(key, storeusers.RecordKeyPrefix) {
		return
	}
	p.mu.Lock()
	hold := p.armed
	p.armed = false
	p.mu.Unlock()
	if hold {
		close(p.held)
		<-p.release
	}
}

func (p *pausingStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	p.pause(key)
	return p.Store.Set(ctx, key, value, ttl)
}

func (p *pausingStore) CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	p.pause(key)
	return p.Store.CompareAndSwap(ctx, key, old, value, ttl)
}

func (p *pausingStore) CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error) {
	p.pause(key)
	return p.Store.CompareAndDelete(ctx, key, old)
}

// pausingStores runs f against a pausing memory store and a pausing
// store on a real Redis.
func pausingStores(t *testing.T, f func(t *testing.T, st *pausingStore)) {
	t.Run("memory", func(t *testing.T) { f(t, newPausingStore(memstore.New(nil))) })
	t.Run("redis", func(t *testing.T) {
		addr := testredis.Start(t)
		client, err := redisstore.NewClient(config.Redis{Addrs: []string{addr}, DialTimeout: time.Second, OpTimeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = client.Close() })
		f(t, newPausingStore(redisstore.New(client, "t:", time.Second)))
	})
}

// TestChangeInFlightUndoesNoOtherChange: a change of an account that
// has read its record and not yet written it back (held here between
// the two) while another change of the account lands must not undo that
// other one. Before, the record was written back as read plus the
// first change, so an administrator's disable, forced reset or delete
// that landed in between was silently undone by a thief's request made
// at the same moment (docs/contract.md, "Sessions end when credentials
// change").
func TestChangeInFlightUndoesNoOtherChange(t *testing.T) {
	const newPhone, newEmail, upgraded = "+12015550177", "new@example.com", "$2a$04$uuuuuuuuuuuuuuuuuuuuuuK0pKk7G2n2nYEAm1aUO5mB8S0bm4v5a"
	type change func(ctx context.Context, b *storeusers.Backend) error
	tests := []struct {
		name     string
		inFlight change
		lands    change
		// wantErr is what the change in flight returns.
		wantErr error
		// check looks at the account afterwards (nil: Lookup failed).
		check func(t *testing.T, ctx context.Context, b *storeusers.Backend, u *auth.User)
	}{
		{"a proved phone does not undo a disable",
			func(ctx context.Context, b *storeusers.Backend) error {
				return b.PhoneProved(ctx, "alice", "+12015550100")
			},
			func(ctx context.Context, b *storeusers.Backend) error { return b.SetDisabled(ctx, "alice", true) },
			nil,
			func(t *testing.T, _ context.Context, _ *storeusers.Backend, u *auth.User) {
				if u == nil || !u.Disabled || u.PhoneUnproved {
					t.Errorf("account = %+v, want disabled and its phone proved", u)
				}
			}},
		{"a password change does not undo a disable",
			func(ctx context.Context, b *storeusers.Backend) error { return b.SetPassword(ctx, "alice", otherHash) },
			func(ctx context.Context, b *storeusers.Backend) error { return b.SetDisabled(ctx, "alice", true) },
			nil,
			func(t *testing.T, _ context.Context, _ *storeusers.Backend, u *auth.User) {
				if u == nil || !u.Disabled || u.PasswordHash != otherHash {
					t.Errorf("account = %+v, want disabled, with the new password", u)
				}
			}},
		{"a stronger hash of the old password does not undo a forced reset",
			func(ctx context.Context, b *storeusers.Backend) error {
				return b.UpgradeHash(ctx, "alice", hash, upgraded)
			},
			func(ctx context.Context, b *storeusers.Backend) error { return b.ClearPassword(ctx, "alice") },
			nil,
			func(t *testing.T, _ context.Context, _ *storeusers.Backend, u *auth.User) {
				if u == nil || u.PasswordHash != "" {
					t.Errorf("account = %+v, want its password cleared", u)
				}
			}},
		{"a phone change does not undo a forced reset",
			func(ctx context.Context, b *storeusers.Backend) error { return b.SetPhone(ctx, "alice", newPhone) },
			func(ctx context.Context, b *storeusers.Backend) error { return b.ClearPassword(ctx, "alice") },
			nil,
			func(t *testing.T, ctx context.Context, b *storeusers.Backend, u *auth.User) {
				if u == nil || u.PasswordHash != "" || u.Phone != newPhone {
					t.Errorf("account = %+v, want its password cleared and the new phone", u)
				}
				wantPhoneClaims(t, ctx, b, newPhone, "+12015550100")
			}},
		{"an email change does not undo a disable",
			func(ctx context.Context, b *storeusers.Backend) error { return b.SetEmail(ctx, "alice", newEmail) },
			func(ctx context.Context, b *storeusers.Backend) error { return b.SetDisabled(ctx, "alice", true) },
			nil,
			func(t *testing.T, _ context.Context, _ *storeusers.Backend, u *auth.User) {
				if u == nil || !u.Disabled || u.Email != newEmail {
					t.Errorf("account = %+v, want disabled, with the new email", u)
				}
			}},
		{"a disable does not undo a phone change",
			func(ctx context.Context, b *storeusers.Backend) error { return b.SetDisabled(ctx, "alice", true) },
			func(ctx context.Context, b *storeusers.Backend) error { return b.SetPhone(ctx, "alice", newPhone) },
			nil,
			func(t *testing.T, ctx context.Context, b *storeusers.Backend, u *auth.User) {
				if u == nil || !u.Disabled || u.Phone != newPhone {
					t.Errorf("account = %+v, want disabled, with the new phone", u)
				}
				wantPhoneClaims(t, ctx, b, newPhone, "+12015550100")
			}},
		{"a group change does not undo a password reset",
			func(ctx context.Context, b *storeusers.Backend) error {
				return b.SetGroups(ctx, "alice", []string{"staff"})
			},
			func(ctx context.Context, b *storeusers.Backend) error { return b.SetPassword(ctx, "alice", otherHash) },
			nil,
			func(t *testing.T, _ context.Context, _ *storeusers.Backend, u *auth.User) {
				if u == nil || u.PasswordHash != otherHash || len(u.Groups) != 1 || u.Groups[0] != "staff" {
					t.Errorf("account = %+v, want the reset password and group staff", u)
				}
			}},
		{"a change does not bring back a deleted account",
			func(ctx context.Context, b *storeusers.Backend) error {
				return b.PhoneProved(ctx, "alice", "+12015550100")
			},
			func(ctx context.Context, b *storeusers.Backend) error { return b.Delete(ctx, "alice") },
			auth.ErrUserNotFound,
			func(t *testing.T, _ context.Context, _ *storeusers.Backend, u *auth.User) {
				if u != nil {
					t.Errorf("account = %+v, want it deleted", u)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pausingStores(t, func(t *testing.T, st *pausingStore) {
				ctx := t.Context()
				b := storeusers.New(st, "")
				alice := user("alice", "alice@example.com", "+12015550100")
				alice.PhoneUnproved = true
				if err := b.Add(ctx, alice); err != nil {
					t.Fatal(err)
				}
				st.mu.Lock()
				st.armed = true
				st.mu.Unlock()
				done := make(chan error, 1)
				go func() { done <- tt.inFlight(ctx, b) }()
				select {
				case <-st.held:
				case err := <-done:
					t.Fatalf("the change in flight ended without writing the record: %v", err)
				}
				if err := tt.lands(ctx, b); err != nil {
					t.Fatalf("the change landing meanwhile: %v", err)
				}
				close(st.release)
				if err := <-done; !errors.Is(err, tt.wantErr) {
					t.Errorf("the change in flight = %v, want %v", err, tt.wantErr)
				}
				u, err := b.Lookup(ctx, "alice")
				if err != nil && !errors.Is(err, auth.ErrUserNotFound) {
					t.Fatal(err)
				}
				tt.check(t, ctx, b, u)
			})
		})
	}
}

// wantPhoneClaims checks that phone finds alice and old finds nobody.
func wantPhoneClaims(t *testing.T, ctx context.Context, b *storeusers.Backend, phone, old string) {
	t.Helper()
	if u, err := b.Lookup(ctx, phone); err != nil || u.Username != "alice" {
		t.Errorf("Lookup(%s) = %+v, %v; want alice", phone, u, err)
	}
	if u, err := b.Lookup(ctx, old); !errors.Is(err, auth.ErrUserNotFound) {
		t.Errorf("Lookup(%s) = %+v, %v; want nobody (the old number)", old, u, err)
	}
}

// losingStore is a memory store on which every compare-and-set of an
// account record loses, as if another change of the account always
// landed first.
type losingStore struct {
	*memstore.Store
	swaps int
}

func (l *losingStore) CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	if strings.HasPrefix(key, storeusers.RecordKeyPrefix) {
		l.swaps++
		return false, nil
	}
	return l.Store.CompareAndSwap(ctx, key, old, value, ttl)
}

// TestChangeGivesUpAfterLosingEveryRace: a change that keeps losing the
// race for the record gives up after a few attempts with
// auth.ErrRecordContended (the gateway's retryable 503 account_busy),
// having written nothing and kept no claim on a new phone or email.
func TestChangeGivesUpAfterLosingEveryRace(t *testing.T) {
	tests := []struct {
		name   string
		change func(ctx context.Context, b *storeusers.Backend) error
	}{
		{"disable", func(ctx context.Context, b *storeusers.Backend) error { return b.SetDisabled(ctx, "alice", true) }},
		{"password", func(ctx context.Context, b *storeusers.Backend) error { return b.SetPassword(ctx, "alice", otherHash) }},
		{"groups", func(ctx context.Context, b *storeusers.Backend) error {
			return b.SetGroups(ctx, "alice", []string{"staff"})
		}},
		{"phone", func(ctx context.Context, b *storeusers.Backend) error {
			return b.SetPhone(ctx, "alice", "+12015550177")
		}},
		{"email", func(ctx context.Context, b *storeusers.Backend) error {
			return b.SetEmail(ctx, "alice", "new@example.com")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			st := &losingStore{Store: memstore.New(nil)}
			b := storeusers.New(st, "")
			if err := b.Add(ctx, user("alice", "alice@example.com", "+12015550100")); err != nil {
				t.Fatal(err)
			}
			before, err := b.Lookup(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.change(ctx, b); !errors.Is(err, auth.ErrRecordContended) {
				t.Fatalf("change = %v, want ErrRecordContended", err)
			}
			if st.swaps < 2 || st.swaps > 10 {
				t.Errorf("%d attempts, want a few (re-read and re-applied), bounded", st.swaps)
			}
			after, err := b.Lookup(ctx, "alice")
			if err != nil || after.Generation != before.Generation || after.Disabled || len(after.Groups) != 0 ||
				after.Phone != before.Phone || after.Email != before.Email || after.PasswordHash != before.PasswordHash {
				t.Errorf("account after = %+v, %v; want it untouched: %+v", after, err, before)
			}
			// Neither new value stays claimed: another account takes both.
			if err := b.Add(ctx, user("bob", "new@example.com", "+12015550177")); err != nil {
				t.Errorf("the new phone or email is still claimed: %v", err)
			}
		})
	}
}
