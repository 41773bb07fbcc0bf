package gateway_test

// switchStore: a real store that can be taken down, every method then
// failing with auth.ErrStoreUnavailable.

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// switchStore is a real store that can be taken down: while down, every
// method fails with an error wrapping auth.ErrStoreUnavailable.
type switchStore struct {
	auth.Store
	down atomic.Bool
	// downAfter, when set, takes the store down once a CompareAndSwap of
	// a key it names has been written: a store failing over in the middle
	// of a request, right after its change was made.
	downAfter atomic.Pointer[string]
	// downAfterDelete, when set, takes the store down once a Delete of a
	// key it accepts has removed something: a store failing over right
	// after a factor was removed, before what follows it.
	downAfterDelete atomic.Pointer[func(key string) bool]
}

var errDown = fmt.Errorf("fake store: connection refused: %w", auth.ErrStoreUnavailable)

func (s *switchStore) sets() auth.SetStore { return s.Store.(auth.SetStore) }

func (s *switchStore) SAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	if s.down.Load() {
		return errDown
	}
	return s.sets().SAdd(ctx, key, member, ttl)
}

func (s *switchStore) SRem(ctx context.Context, key, member string) error {
	if s.down.Load() {
		return errDown
	}
	return s.sets().SRem(ctx, key, member)
}

func (s *switchStore) SMembers(ctx context.Context, key string) ([]string, error) {
	if s.down.Load() {
		return nil, errDown
	}
	return s.sets().SMembers(ctx, key)
}

func (s *switchStore) ZAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.(auth.SortedIndex).ZAdd(ctx, key, member, ttl)
}

func (s *switchStore) ZRem(ctx context.Context, key, member string) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.(auth.SortedIndex).ZRem(ctx, key, member)
}

func (s *switchStore) ZAfter(ctx context.Context, key, after string, n int) ([]string, error) {
	if s.down.Load() {
		return nil, errDown
	}
	return s.Store.(auth.SortedIndex).ZAfter(ctx, key, after, n)
}

func (s *switchStore) GetMany(ctx context.Context, keys []string) ([][]byte, error) {
	if s.down.Load() {
		return nil, errDown
	}
	return s.Store.(auth.MultiGetter).GetMany(ctx, keys)
}

func (s *switchStore) Get(ctx context.Context, key string) ([]byte, error) {
	if s.down.Load() {
		return nil, errDown
	}
	return s.Store.Get(ctx, key)
}

func (s *switchStore) Set(ctx context.Context, key string, v []byte, ttl time.Duration) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.Set(ctx, key, v, ttl)
}

func (s *switchStore) SetNX(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	if s.down.Load() {
		return false, errDown
	}
	return s.Store.SetNX(ctx, key, v, ttl)
}

func (s *switchStore) CompareAndSwap(ctx context.Context, key string, old, v []byte, ttl time.Duration) (bool, error) {
	if s.down.Load() {
		return false, errDown
	}
	ok, err := s.Store.(auth.Swapper).CompareAndSwap(ctx, key, old, v, ttl)
	if k := s.downAfter.Load(); ok && err == nil && k != nil && *k == key {
		s.down.Store(true)
	}
	return ok, err
}

func (s *switchStore) CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error) {
	if s.down.Load() {
		return false, errDown
	}
	return s.Store.(auth.Swapper).CompareAndDelete(ctx, key, old)
}

func (s *switchStore) SetIfExists(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	if s.down.Load() {
		return false, errDown
	}
	return s.Store.SetIfExists(ctx, key, v, ttl)
}

func (s *switchStore) Delete(ctx context.Context, key string) (bool, error) {
	if s.down.Load() {
		return false, errDown
	}
	ok, err := s.Store.Delete(ctx, key)
	if f := s.downAfterDelete.Load(); ok && err == nil && f != nil && (*f)(key) {
		s.down.Store(true)
	}
	return ok, err
}

func (s *switchStore) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if s.down.Load() {
		return false, errDown
	}
	return s.Store.Expire(ctx, key, ttl)
}

func (s *switchStore) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	if s.down.Load() {
		return 0, errDown
	}
	return s.Store.Incr(ctx, key, window)
}

func (s *switchStore) TTL(ctx context.Context, key string) (time.Duration, error) {
	if s.down.Load() {
		return 0, errDown
	}
	return s.Store.TTL(ctx, key)
}

func (s *switchStore) Ping(ctx context.Context) error {
	if s.down.Load() {
		return errDown
	}
	return s.Store.Ping(ctx)
}

var (
	_ auth.Store   = (*switchStore)(nil)
	_ auth.Swapper = (*switchStore)(nil)
)
