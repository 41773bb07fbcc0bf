package memstore

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

var (
	_ auth.SortedIndex = (*Store)(nil)
	_ auth.MultiGetter = (*Store)(nil)
)

// zset is a sorted index: its members, and their sorted order, made again
// by the first read after a change (adds come in bursts, reads a page at
// a time, so that sorting once per burst beats keeping order on each add).
type zset struct {
	m      map[string]struct{}
	sorted []string // nil when m changed since it was sorted
}

// after returns at most n members greater than after, in order.
func (z *zset) after(after string, n int) []string {
	if z.sorted == nil {
		z.sorted = make([]string, 0, len(z.m))
		for k := range z.m {
			z.sorted = append(z.sorted, k)
		}
		slices.Sort(z.sorted)
	}
	i := sort.Search(len(z.sorted), func(i int) bool { return z.sorted[i] > after })
	return slices.Clone(z.sorted[i:min(len(z.sorted), i+n)])
}

// ZAdd adds member to the index under key and keeps the key alive at
// least ttl from now.
func (s *Store) ZAdd(_ context.Context, key, member string, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("memstore: zadd: %w", errNonPositiveTTL)
	}
	sh, now := s.shard(key), s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.live(key, now)
	if !ok || e.zs == nil {
		e = entry{zs: &zset{m: make(map[string]struct{})}, exp: expiry(now, ttl)}
	}
	if _, there := e.zs.m[member]; !there {
		e.zs.m[member] = struct{}{}
		e.zs.sorted = nil
	}
	if exp := expiry(now, ttl); exp > e.exp {
		e.exp = exp
	}
	sh.m[key] = e
	sh.sweep(now)
	return nil
}

// ZRem removes member from the index under key.
func (s *Store) ZRem(_ context.Context, key, member string) error {
	sh, now := s.shard(key), s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.live(key, now)
	if !ok || e.zs == nil {
		return nil
	}
	if _, there := e.zs.m[member]; there {
		delete(e.zs.m, member)
		e.zs.sorted = nil
	}
	if len(e.zs.m) == 0 {
		delete(sh.m, key)
	}
	return nil
}

// ZAfter returns at most n members greater than after, in byte order.
func (s *Store) ZAfter(_ context.Context, key, after string, n int) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	sh, now := s.shard(key), s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.live(key, now)
	if !ok || e.zs == nil {
		return nil, nil
	}
	return e.zs.after(after, n), nil
}

// GetMany returns copies of the values under keys, nil for a missing one.
func (s *Store) GetMany(ctx context.Context, keys []string) ([][]byte, error) {
	out := make([][]byte, len(keys))
	for i, k := range keys {
		v, err := s.Get(ctx, k)
		if err == nil {
			out[i] = v
		}
	}
	return out, nil
}
