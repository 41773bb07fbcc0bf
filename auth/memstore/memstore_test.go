package memstore_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/memstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
)

var start = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestConformance(t *testing.T) {
	clock := storetest.NewClock(start)
	storetest.Run(t,
		func(*testing.T) auth.Store { return memstore.New(clock) },
		func(_ *testing.T, d time.Duration) { clock.Advance(d) })
}

// TestExpiryBoundary pins the exact instant a key dies: alive one
// nanosecond before its TTL is up, gone at the TTL.
func TestExpiryBoundary(t *testing.T) {
	const ttl = time.Minute
	tests := []struct {
		name  string
		write func(s *memstore.Store) error
	}{
		{"Set", func(s *memstore.Store) error { return s.Set(t.Context(), "k", []byte("v"), ttl) }},
		{"SetNX", func(s *memstore.Store) error {
			_, err := s.SetNX(t.Context(), "k", []byte("v"), ttl)
			return err
		}},
		{"Incr", func(s *memstore.Store) error {
			_, err := s.Incr(t.Context(), "k", ttl)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := storetest.NewClock(start)
			s := memstore.New(clock)
			if err := tt.write(s); err != nil {
				t.Fatal(err)
			}
			clock.Advance(ttl - time.Nanosecond)
			if d, err := s.TTL(t.Context(), "k"); err != nil || d != time.Nanosecond {
				t.Fatalf("TTL 1ns before expiry = %v, %v; want 1ns, nil", d, err)
			}
			clock.Advance(time.Nanosecond)
			if _, err := s.Get(t.Context(), "k"); !errors.Is(err, auth.ErrNotFound) {
				t.Fatalf("Get at expiry error = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestNilClockUsesSystemTime(t *testing.T) {
	s := memstore.New(nil)
	if err := s.Set(t.Context(), "k", []byte("v"), 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(t.Context(), "k"); err != nil {
		t.Fatalf("Get right after Set: %v", err)
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := s.Get(t.Context(), "k"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("Get after the TTL on the system clock error = %v, want ErrNotFound", err)
	}
}

func TestIncrOnNonCounterFails(t *testing.T) {
	s := memstore.New(storetest.NewClock(start))
	if err := s.Set(t.Context(), "k", []byte("not a number"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Incr(t.Context(), "k", time.Minute); err == nil {
		t.Fatalf("Incr on a non-integer value = %d, nil; want an error", n)
	}
	if got, err := s.Get(t.Context(), "k"); err != nil || string(got) != "not a number" {
		t.Fatalf("value after failed Incr = %q, %v; want it unchanged", got, err)
	}
}

func TestHugeTTLDoesNotOverflow(t *testing.T) {
	s := memstore.New(storetest.NewClock(start))
	if err := s.Set(t.Context(), "k", []byte("v"), time.Duration(1<<63-1)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(t.Context(), "k"); err != nil {
		t.Fatalf("Get of a key with the largest TTL: %v", err)
	}
}

func BenchmarkGet(b *testing.B) {
	s := memstore.New(nil)
	ctx := b.Context()
	value := make([]byte, 256)
	keys := benchKeys(1024)
	for _, k := range keys {
		if err := s.Set(ctx, k, value, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	i := 0
	for b.Loop() {
		if _, err := s.Get(ctx, keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkSet(b *testing.B) {
	s := memstore.New(nil)
	ctx := b.Context()
	value := make([]byte, 256)
	keys := benchKeys(1024)
	i := 0
	for b.Loop() {
		if err := s.Set(ctx, keys[i%len(keys)], value, time.Hour); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkGetParallel(b *testing.B) {
	s := memstore.New(nil)
	ctx := b.Context()
	keys := benchKeys(1024)
	for _, k := range keys {
		if err := s.Set(ctx, k, make([]byte, 256), time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := s.Get(ctx, keys[i%len(keys)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func BenchmarkIncr(b *testing.B) {
	s := memstore.New(nil)
	ctx := b.Context()
	for b.Loop() {
		if _, err := s.Incr(ctx, "counter", time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("gatehouse:session:%032x", i)
	}
	return keys
}

func TestAuditConformance(t *testing.T) {
	storetest.RunAudit(t, func(_ *testing.T, retain auth.AuditRetain) auth.AuditLog { return memstore.NewAuditLog(retain, nil) })
}
