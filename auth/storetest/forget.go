package storetest

import (
	"context"
	"errors"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/internal/softkey"
	"github.com/pquerna/otp/totp"
)

// recorder is a store that notes the name of every key written through
// it, so that a test can look for what a service left behind.
type recorder struct {
	auth.Store
	sets auth.SetStore
	idx  auth.SortedIndex
	mg   auth.MultiGetter
	sw   auth.Swapper

	mu      sync.Mutex
	written map[string]bool
}

// newRecorder wraps st, which must keep sets and sorted indexes, read
// many keys at once and compare and set (every store of this project
// does).
func newRecorder(t *testing.T, st auth.Store) *recorder {
	t.Helper()
	sets, ok1 := st.(auth.SetStore)
	idx, ok2 := st.(auth.SortedIndex)
	mg, ok3 := st.(auth.MultiGetter)
	sw, ok4 := st.(auth.Swapper)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		t.Fatal("store does not keep sets and sorted indexes, cannot read many keys, or cannot compare and set")
	}
	return &recorder{Store: st, sets: sets, idx: idx, mg: mg, sw: sw, written: map[string]bool{}}
}

// note records that key was written.
func (r *recorder) note(key string) {
	r.mu.Lock()
	r.written[key] = true
	r.mu.Unlock()
}

// keys returns the names written, sorted.
func (r *recorder) keys() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.written))
	for k := range r.written {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Set notes key and writes through.
func (r *recorder) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	r.note(key)
	return r.Store.Set(ctx, key, value, ttl)
}

// SetNX notes key and writes through.
func (r *recorder) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	r.note(key)
	return r.Store.SetNX(ctx, key, value, ttl)
}

// CompareAndSwap notes key and writes through.
func (r *recorder) CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	r.note(key)
	return r.sw.CompareAndSwap(ctx, key, old, value, ttl)
}

// CompareAndDelete deletes through (a lock's release).
func (r *recorder) CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error) {
	return r.sw.CompareAndDelete(ctx, key, old)
}

// SetIfExists notes key and writes through.
func (r *recorder) SetIfExists(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	r.note(key)
	return r.Store.SetIfExists(ctx, key, value, ttl)
}

// Incr notes key and counts through.
func (r *recorder) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	r.note(key)
	return r.Store.Incr(ctx, key, window)
}

// SAdd notes key and adds through.
func (r *recorder) SAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	r.note(key)
	return r.sets.SAdd(ctx, key, member, ttl)
}

// SRem removes through.
func (r *recorder) SRem(ctx context.Context, key, member string) error {
	return r.sets.SRem(ctx, key, member)
}

// SMembers reads through.
func (r *recorder) SMembers(ctx context.Context, key string) ([]string, error) {
	return r.sets.SMembers(ctx, key)
}

// ZAdd notes key and adds through.
func (r *recorder) ZAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	r.note(key)
	return r.idx.ZAdd(ctx, key, member, ttl)
}

// ZRem removes through.
func (r *recorder) ZRem(ctx context.Context, key, member string) error {
	return r.idx.ZRem(ctx, key, member)
}

// ZAfter reads through.
func (r *recorder) ZAfter(ctx context.Context, key, after string, n int) ([]string, error) {
	return r.idx.ZAfter(ctx, key, after, n)
}

// GetMany reads through.
func (r *recorder) GetMany(ctx context.Context, keys []string) ([][]byte, error) {
	return r.mg.GetMany(ctx, keys)
}

// leftovers returns the keys written through r that the store still
// holds with more than within to live.
func (r *recorder) leftovers(t *testing.T, within time.Duration) []string {
	t.Helper()
	var out []string
	for _, k := range r.keys() {
		d, err := r.TTL(t.Context(), k)
		switch {
		case errors.Is(err, auth.ErrNotFound):
		case err != nil:
			t.Fatalf("TTL(%q): %v", k, err)
		case d > within:
			out = append(out, k)
		}
	}
	return out
}

// suiteKey derives the suite's store-naming keys, one per purpose, as
// Signer.DeriveKey does for the gateway.
func suiteKey(purpose string) []byte {
	return []byte("storetest key for " + purpose + " ................")[:32]
}

// forgottenAccountLeavesNothing gives an account everything it can have
// in the store (sessions, an authenticator app, a passkey, recovery
// codes, an issued code, a ban), and another account nothing, and
// forgets both as a delete does (docs/contract.md, "Admin console"):
// nothing of either may stay longer than an issued code lives, whatever
// the account had. Kept for good, each deleted account would leave its
// keys for as long as the gateway runs.
func (s suite) forgottenAccountLeavesNothing(t *testing.T) {
	rec, ctx := newRecorder(t, s.newStore(t)), t.Context()
	sessions := auth.NewSessions(rec, auth.SessionConfig{IdleTimeout: time.Hour, AbsoluteTimeout: 12 * time.Hour, RememberMe: 30 * 24 * time.Hour}, nil, nil)
	regulator := auth.NewRegulator(rec, suiteKey("regulation"), auth.RegulationConfig{MaxFailures: 1, FindTime: time.Minute, BanTime: time.Hour})
	forget := &auth.Forget{Store: rec, Sessions: sessions, DeriveKey: suiteKey, Regulator: regulator}
	alice := &auth.User{Username: "alice", Generation: "g1"}

	for _, remember := range []bool{false, true} {
		sess, err := sessions.New()
		if err != nil {
			t.Fatal(err)
		}
		if err := sessions.AddProof(ctx, sess, alice, auth.MethodPassword, auth.SignIn{Remember: auth.Answer(remember), Complete: true}); err != nil {
			t.Fatal(err)
		}
	}
	apps, err := auth.NewTOTP(rec, suiteKey("totp"), totpKey, "Suite", nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := apps.Begin(ctx, "alice", "suite-session")
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(e.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := apps.Confirm(ctx, "alice", "suite-session", code); err != nil {
		t.Fatal(err)
	}
	const origin = "https://auth.example.com"
	keys, err := auth.NewPasskeys(rec, suiteKey("passkey"), auth.PasskeyConfig{RPID: "example.com", RPDisplayName: "Suite", Origins: []string{origin}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := keys.BeginRegistration(ctx, "session-1", origin, alice)
	if err != nil {
		t.Fatal(err)
	}
	body, err := softkey.New(origin).Create(mustMarshal(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.FinishRegistration(ctx, "session-1", alice, "Key", body); err != nil {
		t.Fatal(err)
	}
	recovery := auth.NewRecovery(rec, suiteKey("recovery"), nil)
	if _, err := recovery.Generate(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := recovery.Issue(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := regulator.Fail(ctx, "alice", ""); err != nil {
		t.Fatal(err)
	}

	for _, user := range []string{"alice", "bob"} {
		if _, err := forget.Account(ctx, user); err != nil {
			t.Fatalf("Forget.Account(%s): %v", user, err)
		}
	}
	if left := rec.leftovers(t, auth.IssuedCodeTTL); len(left) > 0 {
		t.Errorf("the store keeps %d keys of the forgotten accounts for longer than %v: %q", len(left), auth.IssuedCodeTTL, left)
	}
	signedIn, err := rec.ZAfter(ctx, "sx", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(signedIn, "alice") {
		t.Errorf("the console's index of users who signed in still names alice: %q", signedIn)
	}
}
