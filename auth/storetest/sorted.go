package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// sortedStore returns the store as the sorted index and batch reader
// every store of this project is.
func (s suite) sortedStore(t *testing.T) (auth.Store, auth.SortedIndex, auth.MultiGetter) {
	t.Helper()
	st := s.newStore(t)
	idx, ok := st.(auth.SortedIndex)
	if !ok {
		t.Fatal("store does not implement auth.SortedIndex")
	}
	mg, ok := st.(auth.MultiGetter)
	if !ok {
		t.Fatal("store does not implement auth.MultiGetter")
	}
	return st, idx, mg
}

func after(t *testing.T, idx auth.SortedIndex, key, from string, n int) []string {
	t.Helper()
	v, err := idx.ZAfter(t.Context(), key, from, n)
	if err != nil {
		t.Fatalf("ZAfter(%q, %q, %d): %v", key, from, n, err)
	}
	return v
}

// sortedIndex: members come back in byte order, a page after a cursor,
// whatever order they were added in; removal and duplicates behave.
func (s suite) sortedIndex(t *testing.T) {
	_, idx, _ := s.sortedStore(t)
	ctx := t.Context()
	if got := after(t, idx, "z:missing", "", 10); len(got) != 0 {
		t.Fatalf("missing index has members %q", got)
	}
	in := []string{"mallory", "alice", "Bob", "bob", "al", "alice", "zoë", "a b", "ünï{code}"}
	for _, m := range in {
		if err := idx.ZAdd(ctx, "z:k", m, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"Bob", "a b", "al", "alice", "bob", "mallory", "zoë", "ünï{code}"}
	if got := after(t, idx, "z:k", "", 100); !slices.Equal(got, want) {
		t.Fatalf("all = %q, want %q", got, want)
	}
	// Paging by the last member seen visits each member once.
	var paged []string
	for cur := ""; ; {
		page := after(t, idx, "z:k", cur, 3)
		if len(page) == 0 {
			break
		}
		if len(page) > 3 {
			t.Fatalf("page of %d, asked 3", len(page))
		}
		paged = append(paged, page...)
		cur = page[len(page)-1]
	}
	if !slices.Equal(paged, want) {
		t.Fatalf("paged = %q, want %q", paged, want)
	}
	// A cursor that is not a member starts after where it would be.
	if got := after(t, idx, "z:k", "alex", 2); !slices.Equal(got, []string{"alice", "bob"}) {
		t.Fatalf("after alex = %q", got)
	}
	if err := idx.ZRem(ctx, "z:k", "alice"); err != nil {
		t.Fatal(err)
	}
	if err := idx.ZRem(ctx, "z:k", "never-there"); err != nil {
		t.Fatal(err)
	}
	if err := idx.ZRem(ctx, "z:missing", "x"); err != nil {
		t.Fatal(err)
	}
	if got := after(t, idx, "z:k", "al", 2); !slices.Equal(got, []string{"bob", "mallory"}) {
		t.Fatalf("after removing alice = %q", got)
	}
	if err := idx.ZAdd(ctx, "z:bad", "x", 0); err == nil {
		t.Error("ZAdd with zero TTL accepted")
	}
}

func (s suite) sortedIndexConcurrent(t *testing.T) {
	_, idx, _ := s.sortedStore(t)
	ctx := t.Context()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := idx.ZAdd(ctx, "z:c", fmt.Sprintf("m%02d", i), time.Minute); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got := after(t, idx, "z:c", "", 100)
	if len(got) != 50 || !slices.IsSorted(got) {
		t.Fatalf("%d members after 50 concurrent ZAdds, sorted %v", len(got), slices.IsSorted(got))
	}
}

func (s suite) sortedIndexExpires(t *testing.T) {
	_, idx, _ := s.sortedStore(t)
	ctx := t.Context()
	if err := idx.ZAdd(ctx, "z:e", "a", 150*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// A longer TTL extends; a shorter one does not shorten.
	if err := idx.ZAdd(ctx, "z:e", "b", 600*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := idx.ZAdd(ctx, "z:e", "c", 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	s.wait(t, 300*time.Millisecond)
	if got := after(t, idx, "z:e", "", 10); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("after 300ms: %q (TTL not extended to the longest)", got)
	}
	s.wait(t, 400*time.Millisecond)
	if got := after(t, idx, "z:e", "", 10); len(got) != 0 {
		t.Fatalf("index outlived its TTL: %q", got)
	}
}

// getMany reads present and missing keys in order, in one call.
func (s suite) getMany(t *testing.T) {
	st, _, mg := s.sortedStore(t)
	ctx := t.Context()
	if v, err := mg.GetMany(ctx, nil); err != nil || len(v) != 0 {
		t.Fatalf("GetMany(nil) = %q, %v", v, err)
	}
	for _, k := range []string{"g:a", "g:c"} {
		if err := st.Set(ctx, k, []byte("v-"+k), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Set(ctx, "g:gone", []byte("x"), shortTTL); err != nil {
		t.Fatal(err)
	}
	s.wait(t, shortTTL+margin)
	v, err := mg.GetMany(ctx, []string{"g:a", "g:b", "g:c", "g:gone"})
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 4 || string(v[0]) != "v-g:a" || v[1] != nil || string(v[2]) != "v-g:c" || v[3] != nil {
		t.Fatalf("GetMany = %q", v)
	}
}
