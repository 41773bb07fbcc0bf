package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// Durations the suite works with. They are short so that a store on real
// time (Redis, where wait sleeps) runs the suite in a couple of seconds,
// and long enough that an operation never takes a TTL's worth of time.
const (
	// shortTTL is the lifetime of keys that are meant to expire.
	shortTTL = 250 * time.Millisecond
	// margin is how long past an expiry the suite waits before it
	// expects the key to be gone.
	margin = 100 * time.Millisecond
	// longTTL is the lifetime of keys that must outlive the test.
	longTTL = 10 * time.Minute
	// slack bounds how far a reported TTL may lag behind the TTL set,
	// for stores on real time.
	slack = 5 * time.Second
)

// Run runs the conformance suite against the stores newStore returns.
// newStore is called once per subtest; wait(t, d) must move the store's
// time forward by at least d (advance a fake clock, or sleep).
func Run(t *testing.T, newStore func(t *testing.T) auth.Store, wait func(t *testing.T, d time.Duration)) {
	s := suite{newStore: newStore, wait: wait}
	tests := []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"GetMissing", s.getMissing},
		{"SetGetRoundTrip", s.setGetRoundTrip},
		{"Overwrite", s.overwrite},
		{"ValueIsolation", s.valueIsolation},
		{"SetExpires", s.setExpires},
		{"NonPositiveTTLRejected", s.nonPositiveTTL},
		{"Delete", s.deleteKey},
		{"DeleteConcurrentExactlyOneWins", s.deleteConcurrent},
		{"SetNX", s.setNX},
		{"SetNXConcurrentExactlyOneWins", s.setNXConcurrent},
		{"SetNXExpires", s.setNXExpires},
		{"CompareAndSwap", s.compareAndSwap},
		{"CompareAndSwapExpiry", s.compareAndSwapExpiry},
		{"CompareAndSwapConcurrentExactlyOneWins", s.compareAndSwapConcurrent},
		{"CompareAndDelete", s.compareAndDelete},
		{"CompareAndDeleteExpiry", s.compareAndDeleteExpiry},
		{"CompareAndDeleteConcurrentExactlyOneWins", s.compareAndDeleteConcurrent},
		{"CompareAndSwapRenewsALock", s.compareAndSwapRenewsALock},
		{"SetIfExists", s.setIfExists},
		{"SetIfExistsExpiry", s.setIfExistsExpiry},
		{"SetIfExistsConcurrentDeleteNeverComesBack", s.setIfExistsConcurrentDelete},
		{"Incr", s.incr},
		{"IncrConcurrent", s.incrConcurrent},
		{"IncrWindow", s.incrWindow},
		{"IncrOnANonCount", s.incrOnANonCount},
		{"Expire", s.expire},
		{"TTL", s.ttl},
		{"OddKeys", s.oddKeys},
		{"Ping", s.ping},
		{"Sets", s.sets},
		{"SetsConcurrent", s.setsConcurrent},
		{"SetsExpire", s.setsExpire},
		{"SortedIndex", s.sortedIndex},
		{"SortedIndexConcurrent", s.sortedIndexConcurrent},
		{"SortedIndexExpires", s.sortedIndexExpires},
		{"GetMany", s.getMany},
		{"RecoveryCodes", s.recoveryCodes},
		{"AuthenticatorCodes", s.authenticatorCodes},
		{"PasskeyCeremonies", s.passkeyCeremonies},
		{"SessionIndexStaysSmall", s.sessionIndexStaysSmall},
		{"BanListStaysSmall", s.banListStaysSmall},
		{"ForgottenAccountLeavesNothing", s.forgottenAccountLeavesNothing},
		{"PasskeyCredentialIDs", s.passkeyCredentialIDs},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.fn)
	}
}

type suite struct {
	newStore func(t *testing.T) auth.Store
	wait     func(t *testing.T, d time.Duration)
}

func (s suite) getMissing(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	got, err := st.Get(ctx, "missing")
	if !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Get(missing) error = %v, want ErrNotFound", err)
	}
	if got != nil {
		t.Errorf("Get(missing) value = %q, want nil", got)
	}
}

func (s suite) setGetRoundTrip(t *testing.T) {
	st := s.newStore(t)
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	tests := []struct {
		name  string
		value []byte
	}{
		{"text", []byte("hello")},
		{"binary", []byte{0, 1, 2, 0xff, '\r', '\n', 0}},
		{"empty", []byte{}},
		{"nil", nil},
		{"one MiB", big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "roundtrip:" + tt.name
			mustSet(t, st, key, tt.value, longTTL)
			got := mustGet(t, st, key)
			if !bytes.Equal(got, tt.value) {
				t.Errorf("Get = %d bytes, want the %d bytes set", len(got), len(tt.value))
			}
		})
	}
}

func (s suite) overwrite(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	mustSet(t, st, "k", []byte("first"), longTTL)
	mustSet(t, st, "k", []byte("second"), longTTL)
	if got := mustGet(t, st, "k"); string(got) != "second" {
		t.Errorf("Get after overwrite = %q, want %q", got, "second")
	}

	// Overwriting replaces the TTL in both directions.
	mustSet(t, st, "longer", []byte("v"), shortTTL)
	mustSet(t, st, "longer", []byte("v2"), longTTL)
	mustSet(t, st, "shorter", []byte("v"), longTTL)
	mustSet(t, st, "shorter", []byte("v2"), shortTTL)
	s.wait(t, shortTTL+margin)
	if got := mustGet(t, st, "longer"); string(got) != "v2" {
		t.Errorf("Get(longer) = %q, want %q", got, "v2")
	}
	if _, err := st.Get(ctx, "shorter"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("Get(shorter) after its new TTL error = %v, want ErrNotFound", err)
	}
}

func (s suite) valueIsolation(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()

	in := []byte("original")
	mustSet(t, st, "set", in, longTTL)
	copy(in, "XXXXXXXX")
	if got := mustGet(t, st, "set"); string(got) != "original" {
		t.Errorf("after mutating the slice passed to Set, Get = %q, want %q", got, "original")
	}

	out := mustGet(t, st, "set")
	copy(out, "YYYYYYYY")
	if got := mustGet(t, st, "set"); string(got) != "original" {
		t.Errorf("after mutating the slice Get returned, Get = %q, want %q", got, "original")
	}

	nx := []byte("nx-value")
	if ok, err := st.SetNX(ctx, "setnx", nx, longTTL); err != nil || !ok {
		t.Fatalf("SetNX = %v, %v; want true, nil", ok, err)
	}
	copy(nx, "ZZZZZZZZ")
	if got := mustGet(t, st, "setnx"); string(got) != "nx-value" {
		t.Errorf("after mutating the slice passed to SetNX, Get = %q, want %q", got, "nx-value")
	}
}

func (s suite) setExpires(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	mustSet(t, st, "k", []byte("v"), shortTTL)
	if got := mustGet(t, st, "k"); string(got) != "v" {
		t.Fatalf("Get before expiry = %q, want %q", got, "v")
	}
	s.wait(t, shortTTL+margin)
	expectGone(t, st, "k")
	// An expired key is gone for every operation, not only Get.
	if ok, err := st.Delete(ctx, "k"); err != nil || ok {
		t.Errorf("Delete(expired) = %v, %v; want false, nil", ok, err)
	}
	if ok, err := st.Expire(ctx, "k", longTTL); err != nil || ok {
		t.Errorf("Expire(expired) = %v, %v; want false, nil", ok, err)
	}
	if ok, err := st.SetNX(ctx, "k", []byte("new"), longTTL); err != nil || !ok {
		t.Errorf("SetNX(expired) = %v, %v; want true, nil", ok, err)
	}
}

func (s suite) nonPositiveTTL(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	for _, ttl := range []time.Duration{0, -time.Second} {
		t.Run(ttl.String(), func(t *testing.T) {
			if err := st.Set(ctx, "set", []byte("v"), ttl); err == nil {
				t.Error("Set with non-positive TTL succeeded, want an error")
			}
			expectGone(t, st, "set")
			if _, err := st.SetNX(ctx, "setnx", []byte("v"), ttl); err == nil {
				t.Error("SetNX with non-positive TTL succeeded, want an error")
			}
			expectGone(t, st, "setnx")
			if _, err := st.Incr(ctx, "incr", ttl); err == nil {
				t.Error("Incr with non-positive window succeeded, want an error")
			}
			expectGone(t, st, "incr")

			mustSet(t, st, "expire", []byte("v"), longTTL)
			if _, err := st.Expire(ctx, "expire", ttl); err == nil {
				t.Error("Expire with non-positive TTL succeeded, want an error")
			}
			if got := mustGet(t, st, "expire"); string(got) != "v" {
				t.Errorf("after a rejected Expire, Get = %q, want %q", got, "v")
			}
		})
	}
}

func (s suite) deleteKey(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	if ok, err := st.Delete(ctx, "k"); err != nil || ok {
		t.Errorf("Delete(missing) = %v, %v; want false, nil", ok, err)
	}
	mustSet(t, st, "k", []byte("v"), longTTL)
	mustSet(t, st, "other", []byte("v"), longTTL)
	if ok, err := st.Delete(ctx, "k"); err != nil || !ok {
		t.Errorf("Delete(present) = %v, %v; want true, nil", ok, err)
	}
	expectGone(t, st, "k")
	if ok, err := st.Delete(ctx, "k"); err != nil || ok {
		t.Errorf("second Delete = %v, %v; want false, nil", ok, err)
	}
	if got := mustGet(t, st, "other"); string(got) != "v" {
		t.Errorf("Delete removed another key: Get(other) = %q", got)
	}
}

func (s suite) deleteConcurrent(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	const n = 50
	for round := range 5 {
		key := fmt.Sprintf("code:%d", round)
		mustSet(t, st, key, []byte("123456"), longTTL)
		results := concurrently(n, func(int) (bool, error) { return st.Delete(ctx, key) })
		if wins := countTrue(t, results); wins != 1 {
			t.Errorf("round %d: %d of %d concurrent Deletes reported true, want exactly 1", round, wins, n)
		}
	}
}

func (s suite) setNX(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	if ok, err := st.SetNX(ctx, "k", []byte("first"), longTTL); err != nil || !ok {
		t.Fatalf("first SetNX = %v, %v; want true, nil", ok, err)
	}
	if ok, err := st.SetNX(ctx, "k", []byte("second"), longTTL); err != nil || ok {
		t.Errorf("second SetNX = %v, %v; want false, nil", ok, err)
	}
	if got := mustGet(t, st, "k"); string(got) != "first" {
		t.Errorf("Get after losing SetNX = %q, want %q", got, "first")
	}
	if _, err := st.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if ok, err := st.SetNX(ctx, "k", []byte("third"), longTTL); err != nil || !ok {
		t.Errorf("SetNX after Delete = %v, %v; want true, nil", ok, err)
	}

	mustSet(t, st, "plain", []byte("v"), longTTL)
	if ok, err := st.SetNX(ctx, "plain", []byte("w"), longTTL); err != nil || ok {
		t.Errorf("SetNX over a Set key = %v, %v; want false, nil", ok, err)
	}
}

func (s suite) setNXConcurrent(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	const n = 50
	results := concurrently(n, func(i int) (bool, error) {
		return st.SetNX(ctx, "lock", fmt.Appendf(nil, "owner-%d", i), longTTL)
	})
	if wins := countTrue(t, results); wins != 1 {
		t.Fatalf("%d of %d concurrent SetNX reported true, want exactly 1", wins, n)
	}
	winner := slices.IndexFunc(results, func(r result[bool]) bool { return r.v })
	want := fmt.Sprintf("owner-%d", winner)
	if got := mustGet(t, st, "lock"); string(got) != want {
		t.Errorf("stored value = %q, want the winner's %q", got, want)
	}
}

func (s suite) setNXExpires(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	if ok, err := st.SetNX(ctx, "k", []byte("v"), shortTTL); err != nil || !ok {
		t.Fatalf("SetNX = %v, %v; want true, nil", ok, err)
	}
	if ok, err := st.SetNX(ctx, "k", []byte("v"), shortTTL); err != nil || ok {
		t.Fatalf("SetNX while present = %v, %v; want false, nil", ok, err)
	}
	s.wait(t, shortTTL+margin)
	expectGone(t, st, "k")
	if ok, err := st.SetNX(ctx, "k", []byte("v"), shortTTL); err != nil || !ok {
		t.Errorf("SetNX after expiry = %v, %v; want true, nil", ok, err)
	}
}

func (s suite) oddKeys(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	keys := []string{
		"with space",
		"with  two spaces",
		"ünïcödé/ключ/鍵/🔑",
		"{tag}:session",
		"{tag}:session:",
		"a:b:c",
		"a_b_c",
		"tab\there",
		"newline\r\nSET injected 1",
		"nul\x00byte",
		"*?[glob]",
		"",
	}
	for i, key := range keys {
		mustSet(t, st, key, fmt.Appendf(nil, "value-%d", i), longTTL)
	}
	for i, key := range keys {
		want := fmt.Sprintf("value-%d", i)
		if got := mustGet(t, st, key); string(got) != want {
			t.Errorf("Get(%q) = %q, want %q", key, got, want)
		}
	}
	if _, err := st.Get(ctx, "injected"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("a key with CRLF created another key: Get(injected) error = %v", err)
	}
	if ok, err := st.Delete(ctx, keys[0]); err != nil || !ok {
		t.Fatalf("Delete(%q) = %v, %v; want true, nil", keys[0], ok, err)
	}
	for i, key := range keys[1:] {
		want := fmt.Sprintf("value-%d", i+1)
		if got := mustGet(t, st, key); string(got) != want {
			t.Errorf("after deleting %q, Get(%q) = %q, want %q", keys[0], key, got, want)
		}
	}
	for _, key := range keys {
		if _, err := st.Incr(ctx, "n:"+key, longTTL); err != nil {
			t.Errorf("Incr(%q): %v", "n:"+key, err)
		}
	}
}

func (s suite) ping(t *testing.T) {
	st := s.newStore(t)
	if err := st.Ping(t.Context()); err != nil {
		t.Errorf("Ping = %v, want nil", err)
	}
}
