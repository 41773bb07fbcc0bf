package auth

import (
	"context"
	"time"
)

// gatedStore is the store of a KeyGate: every call waits for Ready, so
// nothing is read or written under a derivation key the store has not
// been found to keep (docs/contract.md, "Identity headers"). It keeps
// sets, sorted indexes, batch reads and conditional writes as the
// store under it does (both stores of this project do).
type gatedStore struct {
	g *KeyGate
}

// Interface guards.
var (
	_ Store       = gatedStore{}
	_ SetStore    = gatedStore{}
	_ SortedIndex = gatedStore{}
	_ MultiGetter = gatedStore{}
	_ Swapper     = gatedStore{}
)

// Store returns the gate's store: g's, every call of which fails closed
// until Ready lets it through. The store under g must keep sets, sorted
// indexes, batch reads and conditional writes.
func (g *KeyGate) Store() Store { return gatedStore{g: g} }

// Get implements KV.
func (s gatedStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := s.g.Ready(ctx); err != nil {
		return nil, err
	}
	return s.g.st.Get(ctx, key)
}

// Set implements KV.
func (s gatedStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := s.g.Ready(ctx); err != nil {
		return err
	}
	return s.g.st.Set(ctx, key, value, ttl)
}

// Delete implements KV.
func (s gatedStore) Delete(ctx context.Context, key string) (bool, error) {
	if err := s.g.Ready(ctx); err != nil {
		return false, err
	}
	return s.g.st.Delete(ctx, key)
}

// Expire implements KV.
func (s gatedStore) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := s.g.Ready(ctx); err != nil {
		return false, err
	}
	return s.g.st.Expire(ctx, key, ttl)
}

// SetIfExists implements KV.
func (s gatedStore) SetIfExists(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := s.g.Ready(ctx); err != nil {
		return false, err
	}
	return s.g.st.SetIfExists(ctx, key, value, ttl)
}

// Incr implements Counter.
func (s gatedStore) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	if err := s.g.Ready(ctx); err != nil {
		return 0, err
	}
	return s.g.st.Incr(ctx, key, window)
}

// TTL implements Counter.
func (s gatedStore) TTL(ctx context.Context, key string) (time.Duration, error) {
	if err := s.g.Ready(ctx); err != nil {
		return 0, err
	}
	return s.g.st.TTL(ctx, key)
}

// SetNX implements Store.
func (s gatedStore) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := s.g.Ready(ctx); err != nil {
		return false, err
	}
	return s.g.st.SetNX(ctx, key, value, ttl)
}

// Ping implements Store: a store that keeps another key is not ready.
func (s gatedStore) Ping(ctx context.Context) error {
	if err := s.g.st.Ping(ctx); err != nil {
		return err
	}
	return s.g.Ready(ctx)
}

// SAdd implements SetStore.
func (s gatedStore) SAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	if err := s.g.Ready(ctx); err != nil {
		return err
	}
	return s.g.st.(SetStore).SAdd(ctx, key, member, ttl)
}

// SRem implements SetStore.
func (s gatedStore) SRem(ctx context.Context, key, member string) error {
	if err := s.g.Ready(ctx); err != nil {
		return err
	}
	return s.g.st.(SetStore).SRem(ctx, key, member)
}

// SMembers implements SetStore.
func (s gatedStore) SMembers(ctx context.Context, key string) ([]string, error) {
	if err := s.g.Ready(ctx); err != nil {
		return nil, err
	}
	return s.g.st.(SetStore).SMembers(ctx, key)
}

// ZAdd implements SortedIndex.
func (s gatedStore) ZAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	if err := s.g.Ready(ctx); err != nil {
		return err
	}
	return s.g.st.(SortedIndex).ZAdd(ctx, key, member, ttl)
}

// ZRem implements SortedIndex.
func (s gatedStore) ZRem(ctx context.Context, key, member string) error {
	if err := s.g.Ready(ctx); err != nil {
		return err
	}
	return s.g.st.(SortedIndex).ZRem(ctx, key, member)
}

// ZAfter implements SortedIndex.
func (s gatedStore) ZAfter(ctx context.Context, key, after string, n int) ([]string, error) {
	if err := s.g.Ready(ctx); err != nil {
		return nil, err
	}
	return s.g.st.(SortedIndex).ZAfter(ctx, key, after, n)
}

// GetMany implements MultiGetter.
func (s gatedStore) GetMany(ctx context.Context, keys []string) ([][]byte, error) {
	if err := s.g.Ready(ctx); err != nil {
		return nil, err
	}
	return s.g.st.(MultiGetter).GetMany(ctx, keys)
}

// CompareAndSwap implements Swapper.
func (s gatedStore) CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	if err := s.g.Ready(ctx); err != nil {
		return false, err
	}
	return s.g.st.(Swapper).CompareAndSwap(ctx, key, old, value, ttl)
}

// CompareAndDelete implements Swapper.
func (s gatedStore) CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error) {
	if err := s.g.Ready(ctx); err != nil {
		return false, err
	}
	return s.g.st.(Swapper).CompareAndDelete(ctx, key, old)
}
