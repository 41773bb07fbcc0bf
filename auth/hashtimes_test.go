package auth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// slowDeriver is an Argon2Deriver that takes a fixed time and counts its
// calls; its keys are zeros of the asked length.
type slowDeriver struct {
	took  time.Duration
	calls atomic.Int64
}

func (d *slowDeriver) Argon2Key(ctx context.Context, _, _ []byte, _, _ uint32, _ uint8, keyLen uint32) ([]byte, error) {
	d.calls.Add(1)
	select {
	case <-time.After(d.took):
		return make([]byte, keyLen), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestVerifyDummyStandsInForRealWork(t *testing.T) {
	const took = 30 * time.Millisecond
	d := &slowDeriver{took: took}
	h := NewHasher(testParams, 1, time.Second)
	h.SetDeriver(d)
	ctx := context.Background()

	const dummies = 2 * standInRefresh
	for i := range dummies {
		start := time.Now()
		if err := h.VerifyDummy(ctx, "pw"); err != nil {
			t.Fatalf("dummy %d: %v", i, err)
		}
		// The point of a dummy: an unknown name is never answered faster
		// than a real hash would be.
		if took := time.Since(start); took < d.took {
			t.Fatalf("dummy %d returned after %s, faster than a real derivation (%s)", i, took, d.took)
		}
	}
	// The first minHashSamples derive for real (calibration), then one in
	// standInRefresh keeps the samples current; the rest do no work.
	want := int64(minHashSamples + dummies/standInRefresh)
	if got := d.calls.Load(); got != want {
		t.Errorf("%d dummies derived %d keys, want %d (calibration, then one in %d)", dummies, got, want, standInRefresh)
	}
}

func TestVerifyDummyStandInHoldsTheSlot(t *testing.T) {
	d := &slowDeriver{took: 200 * time.Millisecond}
	h := NewHasher(testParams, 1, 10*time.Millisecond)
	h.SetDeriver(d)
	ctx := context.Background()
	for range minHashSamples {
		if err := h.VerifyDummy(ctx, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	calls := d.calls.Load()

	// While a stand-in holds the only slot, a real login is refused as
	// overloaded, exactly as while a real hash runs.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := h.VerifyDummy(ctx, "pw"); err != nil {
			t.Errorf("stand-in: %v", err)
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for len(h.sem) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, ErrOverloaded) {
		t.Errorf("Hash during a stand-in: %v, want ErrOverloaded", err)
	}
	wg.Wait()
	if got := d.calls.Load(); got != calls {
		t.Errorf("the stand-in derived a key (%d calls, want %d)", got, calls)
	}
	if len(h.sem) != 0 {
		t.Error("the stand-in did not give its slot back")
	}
}

func TestVerifyDummyStandInEndsWithContext(t *testing.T) {
	d := &slowDeriver{took: time.Hour}
	h := NewHasher(testParams, 1, time.Second)
	h.SetDeriver(d)
	for range minHashSamples {
		h.times.observe(time.Hour)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	err := h.VerifyDummy(ctx, "pw")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("VerifyDummy = %v, want context.Canceled", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("returned %s after the client left", waited)
	}
	if len(h.sem) != 0 {
		t.Error("slot not given back")
	}
}

func TestOnlyConfiguredParametersAreTimed(t *testing.T) {
	h := NewHasher(testParams, 2, time.Second)
	ctx := context.Background()
	weaker := NewHasher(Argon2Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1}, 1, time.Second)
	old, err := weaker.Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := h.Verify(ctx, old, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	if h.times.n != 0 {
		t.Fatalf("verifying a weaker stored hash recorded %d samples; it would make dummies too short", h.times.n)
	}
	enc, err := h.Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Verify(ctx, enc, "wrong"); err != nil {
		t.Fatal(err)
	}
	if h.times.n != 2 {
		t.Errorf("Hash and Verify with the configured parameters recorded %d samples, want 2", h.times.n)
	}
}
