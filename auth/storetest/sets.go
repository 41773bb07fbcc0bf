package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// setStore returns the store as an auth.SetStore; every store of this
// project implements it.
func (s suite) setStore(t *testing.T) auth.SetStore {
	t.Helper()
	ss, ok := s.newStore(t).(auth.SetStore)
	if !ok {
		t.Fatal("store does not implement auth.SetStore")
	}
	return ss
}

func members(t *testing.T, ss auth.SetStore, key string) []string {
	t.Helper()
	m, err := ss.SMembers(t.Context(), key)
	if err != nil {
		t.Fatalf("SMembers(%q): %v", key, err)
	}
	slices.Sort(m)
	return m
}

func (s suite) sets(t *testing.T) {
	ss, ctx := s.setStore(t), t.Context()
	if m := members(t, ss, "set:missing"); len(m) != 0 {
		t.Fatalf("missing set has members %v", m)
	}
	for _, m := range []string{"b", "a", "b", "c d", "ünï{code}"} {
		if err := ss.SAdd(ctx, "set:k", m, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := members(t, ss, "set:k"), []string{"a", "b", "c d", "ünï{code}"}; !slices.Equal(got, want) {
		t.Fatalf("members = %q, want %q", got, want)
	}
	if err := ss.SRem(ctx, "set:k", "b"); err != nil {
		t.Fatal(err)
	}
	if err := ss.SRem(ctx, "set:k", "never-there"); err != nil {
		t.Fatal(err)
	}
	if err := ss.SRem(ctx, "set:missing", "x"); err != nil {
		t.Fatal(err)
	}
	if got := members(t, ss, "set:k"); !slices.Equal(got, []string{"a", "c d", "ünï{code}"}) {
		t.Fatalf("after SRem: %q", got)
	}
	if err := ss.SAdd(ctx, "set:bad", "x", 0); err == nil {
		t.Error("SAdd with zero TTL accepted")
	}
}

func (s suite) setsConcurrent(t *testing.T) {
	ss, ctx := s.setStore(t), t.Context()
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ss.SAdd(ctx, "set:c", fmt.Sprint("m", i), time.Minute); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(members(t, ss, "set:c")); n != 50 {
		t.Fatalf("%d members after 50 concurrent SAdds", n)
	}
}

func (s suite) setsExpire(t *testing.T) {
	ss, ctx := s.setStore(t), t.Context()
	if err := ss.SAdd(ctx, "set:e", "a", 150*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// A longer TTL extends; a shorter one does not shorten.
	if err := ss.SAdd(ctx, "set:e", "b", 600*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := ss.SAdd(ctx, "set:e", "c", 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	s.wait(t, 300*time.Millisecond)
	if got := members(t, ss, "set:e"); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("after 300ms: %q (TTL not extended to the longest)", got)
	}
	s.wait(t, 400*time.Millisecond)
	if got := members(t, ss, "set:e"); len(got) != 0 {
		t.Fatalf("set outlived its TTL: %q", got)
	}
}
