package memstore

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

// held counts the keys the store holds, live or expired.
func (s *Store) held() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

// TestExpiredKeysDoNotAccumulate checks that, without anyone reading the
// expired keys, ordinary writes reclaim them.
func TestExpiredKeysDoNotAccumulate(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := New(clock)
	ctx := t.Context()

	// Many generations of short-lived keys (think OTP challenges): each
	// generation expires before the next is written.
	const perGeneration, generations = 2000, 20
	for g := range generations {
		for i := range perGeneration {
			key := fmt.Sprintf("otp:%d:%d", g, i)
			if err := s.Set(ctx, key, []byte("v"), time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(2 * time.Minute)
	}
	// Without sweeping the store would hold every key ever written.
	if got, limit := s.held(), 2*perGeneration; got > limit {
		t.Fatalf("store holds %d keys after %d generations of %d expired keys, want at most %d",
			got, generations, perGeneration, limit)
	}
}

// TestSweepKeepsLiveKeys checks that sweeping never drops a live key.
func TestSweepKeepsLiveKeys(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := New(clock)
	ctx := t.Context()
	const n = 5000
	for i := range n {
		if err := s.Set(ctx, fmt.Sprintf("live:%d", i), []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := s.Set(ctx, fmt.Sprintf("dead:%d", i), []byte("v"), time.Second); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Millisecond)
	}
	for i := range n {
		if _, err := s.Get(ctx, fmt.Sprintf("live:%d", i)); err != nil {
			t.Fatalf("Get(live:%d): %v", i, err)
		}
	}
}

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestMemoryComesBackAfterABurst: a burst of keys (an attack, a storm of
// sign-ins) that then expire gives its memory back once ordinary writes
// have swept them. Go maps never shrink by themselves: without rebuilding
// them, a gateway on the memory store would hold its largest burst's
// worth of memory until restarted.
func TestMemoryComesBackAfterABurst(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := New(clock)
	ctx := t.Context()
	base := heapInUse()
	const burst = 300_000
	for i := range burst {
		if err := s.Set(ctx, fmt.Sprintf("burst:%d", i), []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	peak := heapInUse()
	clock.Advance(2 * time.Minute)
	// Ordinary traffic afterwards: short-lived keys, a few hundred alive.
	for i := range burst / 2 {
		if err := s.Set(ctx, fmt.Sprintf("after:%d", i), []byte("v"), 100*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Millisecond)
	}
	after := heapInUse()
	held := s.held()
	if grown, burstCost := int64(after)-int64(base), int64(peak)-int64(base); grown > burstCost/4 {
		t.Errorf("after a burst of %d keys (%d MB) expired and was swept (%d keys held), the store still holds %d MB", burst, burstCost>>20, held, grown>>20)
	}
}

// TestReadsForgetExpiredKeys: after a burst of keys that then expire, a
// gateway whose traffic is signed-in people's checks (a read of their
// session, now and then its idle refresh) gives the burst back, as Redis
// would by expiring it. Only writes swept: on the memory store a burst
// of an attacker's counters stayed until as many sign-ins had happened
// as it had keys (months on a small deployment), with every check
// meanwhile.
func TestReadsForgetExpiredKeys(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := New(clock)
	ctx := t.Context()
	const burst = 50_000
	for i := range burst {
		if err := s.Set(ctx, fmt.Sprintf("reg:n:%d", i), []byte("1"), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	sessions := make([]string, 100)
	for i := range sessions {
		sessions[i] = fmt.Sprintf("s:%d", i)
		if err := s.Set(ctx, sessions[i], []byte("session"), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(2 * time.Minute)
	for i := range 2 * burst {
		key := sessions[i%len(sessions)]
		if _, err := s.Get(ctx, key); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			if _, err := s.Expire(ctx, key, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(time.Millisecond)
	}
	if held := s.held(); held > burst/4 {
		t.Errorf("after %d checks the store still holds %d keys, of which %d are alive: a burst that expired stays until as many writes came", 2*burst, held, len(sessions))
	}
}
