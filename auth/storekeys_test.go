package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// keyRecorder wraps a store and records the name of every key used.
type keyRecorder struct {
	auth.Store
	mu   sync.Mutex
	keys map[string]bool
}

func (s *keyRecorder) saw(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil {
		s.keys = map[string]bool{}
	}
	s.keys[key] = true
}

func (s *keyRecorder) Get(ctx context.Context, key string) ([]byte, error) {
	s.saw(key)
	return s.Store.Get(ctx, key)
}

func (s *keyRecorder) Set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	s.saw(key)
	return s.Store.Set(ctx, key, v, ttl)
}

func (s *keyRecorder) SetNX(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	s.saw(key)
	return s.Store.SetNX(ctx, key, v, ttl)
}

func (s *keyRecorder) SetIfExists(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	s.saw(key)
	return s.Store.SetIfExists(ctx, key, v, ttl)
}

func (s *keyRecorder) Delete(ctx context.Context, key string) (bool, error) {
	s.saw(key)
	return s.Store.Delete(ctx, key)
}

func (s *keyRecorder) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	s.saw(key)
	return s.Store.Expire(ctx, key, ttl)
}

func (s *keyRecorder) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	s.saw(key)
	return s.Store.Incr(ctx, key, window)
}

func (s *keyRecorder) TTL(ctx context.Context, key string) (time.Duration, error) {
	s.saw(key)
	return s.Store.TTL(ctx, key)
}

// The personal values storeKeysOf counts by.
var (
	knownPhone   = "+12015550100"
	unknownPhone = "+12015550199"
	clientIPv4   = "203.0.113.9"
	clientIPv6   = "2001:db8:1:2::7"
	personal     = []string{knownPhone, unknownPhone, "alice", "bob", clientIPv4, clientIPv6, "2001:db8:1:2::/64", "2001:db8:1::/48"}
)

// storeKeysOf runs codes (a real challenge and a decoy, each with a wrong
// code, from an IPv4 and an IPv6 client) and regulation failures (an
// account, an unknown name, an unknown number) on a fresh store, with key
// as the deployment's key, and returns the names of the keys that count
// them: every key but the challenges and their attempts, which are named
// by random ids.
func storeKeysOf(t *testing.T, key []byte) []string {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	store := &keyRecorder{Store: memstore.New(clock)}
	sender := &recordingSender{}
	o := auth.NewOTP(store, sender, key, auth.OTPConfig{
		Length: 6, TTL: 5 * time.Minute, MaxAttempts: 5, MaxSends: 5, SendWindow: time.Hour,
		MaxSendsPerIP: 10, IPSendWindow: time.Hour,
	}, clock, nil)
	ctx4 := auth.WithRequester(context.Background(), auth.Requester{IP: clientIPv4})
	ctx6 := auth.WithRequester(context.Background(), auth.Requester{IP: clientIPv6})
	ch, err := o.Start(ctx4, "alice", knownPhone, "login")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Verify(ctx4, ch.ID, wrong(sender.last(t).Code)); err == nil {
		t.Fatal("a wrong code was accepted")
	}
	d, err := o.StartDecoy(ctx6, unknownPhone, "login")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Verify(ctx6, d.ID, "000000"); err == nil {
		t.Fatal("a decoy was accepted")
	}

	r := auth.NewRegulator(store, key, auth.RegulationConfig{MaxFailures: 2, FindTime: time.Minute, BanTime: time.Minute, MaxAccountFailures: 3})
	for _, f := range [][2]string{{"alice", clientIPv4}, {"bob", clientIPv6}, {unknownPhone, clientIPv6}, {"bob", clientIPv4}, {"bob", clientIPv4}} {
		if _, err := r.Fail(ctx4, f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Check(ctx4, "bob", clientIPv4); err == nil {
		t.Fatal("regulation banned no one")
	}
	if err := r.SignedIn(ctx4, "alice"); err != nil {
		t.Fatal(err)
	}

	var out []string
	for _, k := range slices.Sorted(maps.Keys(store.keys)) {
		if !strings.HasPrefix(k, "otp:{") {
			out = append(out, k)
		}
	}
	if len(out) < 10 {
		t.Fatalf("only %d keys counted anything: %q", len(out), out)
	}
	return out
}

// Key names must not give away the phone numbers, client addresses and
// names they count, not even to someone who can try every number (about
// 10^10) or IPv4 address (2^32) against them: they are HMACs under the
// deployment's key, the same on every replica that has it.
func TestStoreKeysHideNumbersAddressesAndNames(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	names := storeKeysOf(t, key)
	for _, k := range names {
		for _, v := range personal {
			sum := sha256.Sum256([]byte(v))
			for _, leak := range []string{v, hex.EncodeToString(sum[:]), base64.RawURLEncoding.EncodeToString(sum[:]), base64.StdEncoding.EncodeToString(sum[:])} {
				if strings.Contains(k, leak) {
					t.Errorf("key %q gives %q away (as %q)", k, v, leak)
				}
			}
		}
	}
	if again := storeKeysOf(t, key); !slices.Equal(again, names) {
		t.Errorf("the same key names the same values differently:\n%q\n%q", names, again)
	}
	other := storeKeysOf(t, []byte("another deployment's 32-byte key"))
	for _, k := range other {
		// The daily send counts are named by a day and a country: they
		// name no one, and the console reads them by those names.
		if slices.Contains(names, k) && !strings.HasPrefix(k, "otp:st:") {
			t.Errorf("key %q is named the same under another key: the name is not keyed", k)
		}
	}
}

// A zero or short key is refused at construction: nothing falls back to
// unkeyed names (or unkeyed code hashes).
func TestStoreKeyNamesNeedAKey(t *testing.T) {
	for _, key := range [][]byte{nil, {}, []byte("fifteen bytes!!")} {
		mustPanic(t, "NewOTP", func() {
			auth.NewOTP(memstore.New(nil), &recordingSender{}, key, auth.OTPConfig{Length: 6}, nil, nil)
		})
		mustPanic(t, "NewRegulator", func() {
			auth.NewRegulator(memstore.New(nil), key, auth.RegulationConfig{MaxFailures: 5})
		})
	}
}

func mustPanic(t *testing.T, what string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s accepted a key shorter than 16 bytes", what)
		}
	}()
	f()
}
