package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// The write of a key only while it exists (auth.KV.SetIfExists), under
// every write of a stored session (docs/contract.md, "Sessions end when
// they are ended"). The keys are session keys, which a client-side
// cache keeps (auth.SessionKeyPrefix): a conditional write must be read
// back at once, and one refused must not be answered from the cache.

// xxKey is the session key the suite writes conditionally.
const xxKey = auth.SessionKeyPrefix + "conformance"

// mustSetXX calls SetIfExists and fails the test on an error or an
// answer other than want.
func mustSetXX(t *testing.T, st auth.Store, key string, value []byte, ttl time.Duration, want bool) {
	t.Helper()
	ok, err := st.SetIfExists(t.Context(), key, value, ttl)
	if err != nil || ok != want {
		t.Fatalf("SetIfExists(%q, %q) = %v, %v; want %v, nil", key, value, ok, err, want)
	}
}

func (s suite) setIfExists(t *testing.T) {
	binary := []byte{0, 1, '\r', '\n', 0xff, 0}
	tests := []struct {
		name   string
		before []byte // what the key holds first (nil: nothing)
		value  []byte
		want   bool
	}{
		{"absent", nil, []byte("new"), false},
		{"absent, the empty value", nil, []byte{}, false},
		{"present", []byte("old"), []byte("new"), true},
		{"present, the same value", []byte("old"), []byte("old"), true},
		{"present, the empty value", []byte("old"), []byte{}, true},
		{"present, a binary value", []byte("old"), binary, true},
		{"present and empty", []byte{}, []byte("new"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := s.newStore(t)
			if tt.before != nil {
				mustSet(t, st, xxKey, tt.before, longTTL)
				mustGet(t, st, xxKey) // a cache now holds it
			}
			mustSetXX(t, st, xxKey, tt.value, longTTL, tt.want)
			if !tt.want {
				expectGone(t, st, xxKey)
				return
			}
			if got := mustGet(t, st, xxKey); string(got) != string(tt.value) {
				t.Errorf("Get after SetIfExists = %q, want %q", got, tt.value)
			}
			expectTTL(t, st, xxKey, longTTL-slack, longTTL)
		})
	}

	t.Run("deleted, then written", func(t *testing.T) {
		st, ctx := s.newStore(t), t.Context()
		mustSet(t, st, xxKey, []byte("old"), longTTL)
		mustGet(t, st, xxKey)
		if ok, err := st.Delete(ctx, xxKey); err != nil || !ok {
			t.Fatalf("Delete = %v, %v; want true, nil", ok, err)
		}
		mustSetXX(t, st, xxKey, []byte("new"), longTTL, false)
		expectGone(t, st, xxKey)
	})

	t.Run("value isolation", func(t *testing.T) {
		st := s.newStore(t)
		mustSet(t, st, xxKey, []byte("old"), longTTL)
		in := []byte("original")
		mustSetXX(t, st, xxKey, in, longTTL, true)
		copy(in, "XXXXXXXX")
		if got := mustGet(t, st, xxKey); string(got) != "original" {
			t.Errorf("after mutating the slice passed to SetIfExists, Get = %q, want %q", got, "original")
		}
	})

	t.Run("non-positive TTL", func(t *testing.T) {
		st := s.newStore(t)
		mustSet(t, st, xxKey, []byte("v"), longTTL)
		for _, ttl := range []time.Duration{0, -time.Second} {
			if _, err := st.SetIfExists(t.Context(), xxKey, []byte("w"), ttl); err == nil {
				t.Errorf("SetIfExists with TTL %v succeeded, want an error", ttl)
			}
			if _, err := st.SetIfExists(t.Context(), "absent", []byte("w"), ttl); err == nil {
				t.Errorf("SetIfExists of an absent key with TTL %v succeeded, want an error", ttl)
			}
		}
		if got := mustGet(t, st, xxKey); string(got) != "v" {
			t.Errorf("after refused writes, Get = %q, want %q", got, "v")
		}
		expectTTL(t, st, xxKey, longTTL-slack, longTTL)
		expectGone(t, st, "absent")
	})
}

// setIfExistsExpiry: an expired key is absent, never written again; the
// TTL given replaces the key's, in both directions.
func (s suite) setIfExistsExpiry(t *testing.T) {
	st := s.newStore(t)
	expired, shorter, longer := xxKey+":expired", xxKey+":shorter", xxKey+":longer"
	mustSet(t, st, expired, []byte("v"), shortTTL)
	mustSet(t, st, shorter, []byte("v"), longTTL)
	mustSet(t, st, longer, []byte("v"), shortTTL)
	for _, k := range []string{expired, shorter, longer} {
		mustGet(t, st, k)
	}
	mustSetXX(t, st, shorter, []byte("w"), shortTTL, true)
	mustSetXX(t, st, longer, []byte("w"), longTTL, true)
	expectTTL(t, st, shorter, 1, shortTTL)
	expectTTL(t, st, longer, longTTL-slack, longTTL)
	s.wait(t, shortTTL+margin)

	mustSetXX(t, st, expired, []byte("w"), longTTL, false)
	expectGone(t, st, expired)
	expectGone(t, st, shorter)
	if got := mustGet(t, st, longer); string(got) != "w" {
		t.Errorf("Get(longer) = %q, want %q: the write's TTL replaces the key's", got, "w")
	}
}

// setIfExistsConcurrentDelete: writers write a key conditionally, over
// and over, while it is deleted. Once the Delete has answered, no
// conditional write that starts is acknowledged, and the key ends
// absent: a deleted key never comes back, however the writes and the
// Delete interleave. Round after round.
func (s suite) setIfExistsConcurrentDelete(t *testing.T) {
	st, ctx := s.newStore(t), t.Context()
	const writers, rounds = 8, 5
	for round := range rounds {
		key := fmt.Sprintf("%s:%d", xxKey, round)
		mustSet(t, st, key, []byte("v"), longTTL)
		var deleted atomic.Bool
		var before, after atomic.Int64 // writes acknowledged before the Delete answered, and after it
		var wg sync.WaitGroup
		errs := make(chan error, writers+1)
		start := make(chan struct{})
		for i := range writers {
			wg.Go(func() {
				<-start
				// Write until well after the Delete, so that writes
				// start on both sides of it.
				for j, late := 0, 0; late < 20; j++ {
					gone := deleted.Load()
					if gone {
						late++
					}
					ok, err := st.SetIfExists(ctx, key, fmt.Appendf(nil, "w%d-%d", i, j), longTTL)
					if err != nil {
						errs <- err
						return
					}
					switch {
					case ok && gone:
						after.Add(1)
					case ok:
						before.Add(1)
					}
				}
			})
		}
		wg.Go(func() {
			<-start
			time.Sleep(time.Millisecond)
			ok, err := st.Delete(ctx, key)
			if err == nil && !ok {
				err = errors.New("the Delete of a key only written conditionally found it absent")
			}
			if err != nil {
				errs <- err
			}
			deleted.Store(true)
		})
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: %v", round, err)
		}
		if n := after.Load(); n != 0 {
			t.Errorf("round %d: %d conditional writes started after the Delete answered went through", round, n)
		}
		expectGone(t, st, key)
		if before.Load() == 0 {
			t.Logf("round %d: no write went through before the Delete", round)
		}
	}
}
