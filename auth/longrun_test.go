package auth_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// The key tally of recordingStore: every key any write names, so that
// a test can count the keys alive (docs/contract.md, "Store keys").

func (r *recordingStore) note(key string) {
	r.mu.Lock()
	if r.keys == nil {
		r.keys = map[string]struct{}{}
	}
	r.keys[key] = struct{}{}
	r.mu.Unlock()
}

func (r *recordingStore) SetIfExists(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	r.note(key)
	return r.Store.SetIfExists(ctx, key, value, ttl)
}

func (r *recordingStore) CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	r.note(key)
	return r.Store.CompareAndSwap(ctx, key, old, value, ttl)
}

func (r *recordingStore) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	r.note(key)
	return r.Store.Incr(ctx, key, window)
}

func (r *recordingStore) SAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	r.note(key)
	return r.Store.SAdd(ctx, key, member, ttl)
}

func (r *recordingStore) ZAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	r.note(key)
	return r.Store.ZAdd(ctx, key, member, ttl)
}

// liveKeys returns the keys written that the store still holds, by
// family (the key up to its second colon).
func (r *recordingStore) liveKeys(ctx context.Context) map[string]int {
	r.mu.Lock()
	keys := make([]string, 0, len(r.keys))
	for k := range r.keys {
		keys = append(keys, k)
	}
	r.mu.Unlock()
	live := map[string]int{}
	for _, k := range keys {
		if _, err := r.TTL(ctx, k); err == nil {
			live[family(k)]++
		}
	}
	return live
}

// family is key's family: its first word, and its second when it is a
// short one ("reg:ban", "otp:st"), not a name.
func family(key string) string {
	first, rest, _ := strings.Cut(key, ":")
	if second, _, ok := strings.Cut(rest, ":"); ok && len(second) <= 6 && !strings.HasPrefix(second, "{") {
		return first + ":" + second
	}
	return first
}

// total is the number of keys of families.
func total(families map[string]int) int {
	n := 0
	for _, c := range families {
		n += c
	}
	return n
}

// longRunDay is one day of a small deployment: its people's use, and
// strangers' abuse. It returns how many accounts it deleted.
func longRunDay(t *testing.T, w *loginWorld, rec *auth.Recovery, forget *auth.Forget, day int) int {
	t.Helper()
	ctx := context.Background()
	stranger := func(i int) auth.Client {
		return auth.Client{IP: fmt.Sprintf("198.51.%d.%d", day%250, i+1), UserAgent: "bot", Origin: pkOrigin}
	}
	// alice signs in twice; she signs out of one session and leaves
	// the other to expire; she walks away from a third half-way (the
	// code never typed), and makes new recovery codes twice.
	sess := w.signIn(t)
	if err := w.login.Logout(ctx, client, sess.ID); err != nil {
		t.Fatal(err)
	}
	w.signIn(t)
	if _, err := w.login.Password(ctx, client, nil, auth.PasswordIn{Login: "alice", Password: lwPassword, NeedsCode: alwaysCode, Accepts: smsOnly}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := rec.Generate(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
	}
	// An account made, used and deleted: its name stays held.
	name := fmt.Sprintf("temp%d", day)
	if err := w.users.Add(ctx, &auth.User{Username: name, Phone: fmt.Sprintf("+1201555%04d", 200+day%100), PasswordHash: w.hash}); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Generate(ctx, name); err != nil {
		t.Fatal(err)
	}
	s, err := w.sessions.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.sessions.AddProof(ctx, s, &auth.User{Username: name}, auth.MethodPassword, auth.SignIn{}); err != nil {
		t.Fatal(err)
	}
	if _, err := forget.Account(ctx, name); err != nil {
		t.Fatal(err)
	}
	if err := w.users.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	// Strangers: sign-ups whose code never comes back, codes asked for
	// many numbers (no account has them), resets of names nobody has,
	// and a password spray on alice and on names from a list. Refusals
	// (rate limits, bans) are part of it.
	// They come at once (a decoy's send takes the time a provider's
	// would).
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			c := stranger(i)
			phone := fmt.Sprintf("+1201555%04d", 1000+(day*20+i)%9000)
			_, _ = w.login.SignUp(ctx, c, nil, auth.NewAccount{Username: fmt.Sprintf("u%d-%d", day, i), Email: fmt.Sprintf("u%d-%d@example.net", day, i), Password: "a long password 1", Phone: phone})
			_, _ = w.login.Passwordless(ctx, c, nil, phone, false)
			_, _ = w.login.ResetStart(ctx, c, fmt.Sprintf("nobody%d-%d", day, i), "")
			for _, login := range []string{"alice", "admin", fmt.Sprintf("user%d", i)} {
				_, _ = w.login.Password(ctx, c, nil, auth.PasswordIn{Login: login, Password: "Spring2026!", NeedsCode: alwaysCode, Accepts: smsOnly})
			}
		})
	}
	wg.Wait()
	return 1
}

// TestStoreHoldsWhatIsAliveDayAfterDay: weeks of a small deployment's
// normal use and of strangers' abuse (sign-ups never finished, codes
// asked for many numbers, resets of unknown names, password sprays from
// many addresses, sessions signed out, abandoned or left half-way,
// recovery codes made again and again, accounts made and deleted) leave
// the store holding, once each day's lifetimes have passed, what is alive:
// the accounts and what belongs to them, and the holds of the names
// deleted (kept for good, docs/contract.md "Names of deleted accounts").
// A family of keys that outlives what it is about grows with the days.
func TestStoreHoldsWhatIsAliveDayAfterDay(t *testing.T) {
	w := newLoginWorld(t)
	rec := auth.NewRecovery(w.store, []byte("recovery-names-key-0123456789ab!"), w.clock)
	names := map[string][]byte{
		"recovery": []byte("recovery-names-key-0123456789ab!"),
		"totp":     []byte("totp-names-key-0123456789abcdef!"),
		"passkey":  []byte("passkey-names-key-0123456789abc!"),
	}
	forget := &auth.Forget{Store: w.store, Sessions: w.sessions, DeriveKey: func(p string) []byte { return names[p] }}
	// The send statistics live auth.SendStatsDays+1 days: from then on,
	// each day ends with as many keys as the day before.
	settled := auth.SendStatsDays + 2
	days := settled + 6
	held := 0
	var first map[string]int
	for day := range days {
		held += longRunDay(t, w, rec, forget, day)
		busy := w.store.liveKeys(context.Background())
		if day == 0 {
			t.Logf("keys alive at the end of the first day's traffic: %d %v", total(busy), busy)
		}
		if total(busy) < 200 {
			t.Fatalf("day %d: the store holds %d keys at the end of the day's traffic, want hundreds (the abuse wrote nothing?)", day, total(busy))
		}
		w.clock.Advance(24 * time.Hour) // past every lifetime of the day's sessions, codes, counters and bans
		live := w.store.liveKeys(context.Background())
		// The holds of deleted names are kept for good: one a day.
		live["user:r"] -= held
		if day == settled {
			first = live
		}
		if day > settled && total(live) > total(first) {
			grew := map[string]string{}
			for f, n := range live {
				if n > first[f] {
					grew[f] = fmt.Sprintf("%d → %d", first[f], n)
				}
			}
			t.Fatalf("day %d: the store holds %d keys beyond the accounts' and the deleted names' holds, %d on day %d: grown %v", day, total(live), total(first), settled, grew)
		}
	}
	t.Logf("keys alive each day (holds of deleted names aside): %d %v", total(first), first)
}
