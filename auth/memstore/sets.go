package memstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

var _ auth.SetStore = (*Store)(nil)

// SAdd adds member to the set under key and keeps the key alive at least
// ttl from now.
func (s *Store) SAdd(_ context.Context, key, member string, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("memstore: sadd: %w", errNonPositiveTTL)
	}
	sh, now := s.shard(key), s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.live(key, now)
	if !ok || e.set == nil {
		e = entry{set: make(map[string]struct{}), exp: expiry(now, ttl)}
	}
	e.set[member] = struct{}{}
	if exp := expiry(now, ttl); exp > e.exp {
		e.exp = exp
	}
	sh.m[key] = e
	sh.sweep(now)
	return nil
}

// SRem removes member from the set under key.
func (s *Store) SRem(_ context.Context, key, member string) error {
	sh, now := s.shard(key), s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.live(key, now)
	if !ok || e.set == nil {
		return nil
	}
	delete(e.set, member)
	if len(e.set) == 0 {
		delete(sh.m, key)
	}
	return nil
}

// SMembers returns a copy of the set's members.
func (s *Store) SMembers(_ context.Context, key string) ([]string, error) {
	sh, now := s.shard(key), s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.live(key, now)
	if !ok {
		return nil, nil
	}
	out := make([]string, 0, len(e.set))
	for m := range e.set {
		out = append(out, m)
	}
	return out, nil
}
