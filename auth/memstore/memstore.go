package memstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/internal/mapshrink"
)

const (
	// numShards is the number of independently locked maps. A power of
	// two, so a hash picks a shard with a mask.
	numShards = 32
	// sweepSample is how many keys of a shard each write inspects for
	// expiry.
	sweepSample = 8
	// sweepEveryLooks is how many lookups of a shard (reads included)
	// go between two sweeps of it by lookups: reads forget expired keys
	// too, as Redis does without being asked, at a quarter of a write's
	// cost each.
	sweepEveryLooks = 4
)

// errNonPositiveTTL is returned when a TTL or window is not positive.
var errNonPositiveTTL = errors.New("ttl must be positive")

// Store is an in-memory auth.Store. It is safe for concurrent use. Create
// it with New; the zero value is not usable.
type Store struct {
	clock  auth.Clock
	base   time.Time // expiry times are nanoseconds since base
	seed   maphash.Seed
	shards [numShards]shard
}

// shard is one locked map, padded so that neighbouring shards' locks do
// not share a cache line. peak is the most keys m held since it was
// made: a Go map never gives back the room a burst made it grow to, so
// sweep makes a new one once the keys are down to a quarter of that.
type shard struct {
	mu   sync.Mutex
	m    map[string]entry
	peak int
	// looks counts the lookups (live) since the last sweep by one.
	looks uint32
	_     [36]byte
}

// entry is one stored value; counters hold their value in decimal, as
// Redis does.
type entry struct {
	val []byte
	set map[string]struct{} // members, for keys written by SAdd
	zs  *zset               // members, for keys written by ZAdd
	exp int64               // expiry, in nanoseconds since Store.base
}

// Interface guards.
var (
	_ auth.Store   = (*Store)(nil)
	_ auth.Swapper = (*Store)(nil)
)

// New returns an empty store that tells time with clock (the system clock
// if clock is nil).
func New(clock auth.Clock) *Store {
	if clock == nil {
		clock = auth.SystemClock{}
	}
	s := &Store{clock: clock, base: clock.Now(), seed: maphash.MakeSeed()}
	for i := range s.shards {
		s.shards[i].m = make(map[string]entry)
	}
	return s
}

// Get returns a copy of the value under key, or auth.ErrNotFound.
func (s *Store) Get(_ context.Context, key string) ([]byte, error) {
	sh, now := s.shard(key), s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.live(key, now)
	if !ok {
		return nil, auth.ErrNotFound
	}
	return bytes.Clone(e.val), nil
}

// Set stores a copy of value under key for ttl, replacing any value and
// TTL the key had. A non-positive ttl is an error.
func (s *Store) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("memstore: set: %w", errNonPositiveTTL)
	}
	v, sh, now := bytes.Clone(value), s.shard(key), s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.m[key] = entry{val: v, exp: expiry(now, ttl)}
	sh.sweep(now)
	return nil
}

// SetNX stores a copy of value under key for ttl if the key does not exist
// (or has expired) and reports whether it did. A non-positive ttl is an
// error.
func (s *Store) SetNX(_ context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, fmt.Errorf("memstore: setnx: %w", errNonPositiveTTL)
	}
	sh, now := s.shard(key), s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.live(key, now); ok {
		return false, nil
	}
	sh.m[key] = entry{val: bytes.Clone(value), exp: expiry(now, ttl)}
	sh.sweep(now)
	return true, nil
}

// SetIfExists stores a copy of value under key for ttl, replacing any
// value and TTL the key had as Set does, only if the key exists (and has
// not expired), and reports whether it did. A non-positive ttl is an
// error.
func (s *Store) SetIfExists(_ context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, fmt.Errorf("memstore: set-if-exists: %w", errNonPositiveTTL)
	}
	v, sh, now := bytes.Clone(value), s.shard(key), s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.live(key, now); !ok {
		return false, nil
	}
	sh.m[key] = entry{val: v, exp: expiry(now, ttl)}
	return true, nil
}

// CompareAndSwap stores a copy of value under key for ttl, replacing the
// TTL as Set does, only if the key holds exactly old (old nil: only if it
// does not exist or has expired), and reports whether it did. A key
// holding a set or sorted index never matches. A non-positive ttl is an
// error.
func (s *Store) CompareAndSwap(_ context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, fmt.Errorf("memstore: compare-and-swap: %w", errNonPositiveTTL)
	}
	v, sh, now := bytes.Clone(value), s.shard(key), s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.live(key, now)
	switch {
	case old == nil && ok, old != nil && !ok:
		return false, nil
	case ok && (e.set != nil || e.zs != nil || !bytes.Equal(e.val, old)):
		return false, nil
	}
	sh.m[key] = entry{val: v, exp: expiry(now, ttl)}
	sh.sweep(now)
	return true, nil
}

// CompareAndDelete deletes key only if it holds exactly old (not nil),
// and reports whether it did. A key holding a set or sorted index, or
// expired, never matches.
func (s *Store) CompareAndDelete(_ context.Context, key string, old []byte) (bool, error) {
	sh, now := s.shard(key), s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.live(key, now)
	if !ok || old == nil || e.set != nil || e.zs != nil || !bytes.Equal(e.val, old) {
		return false, nil
	}
	delete(sh.m, key)
	return true, nil
}

// Delete removes key and reports whether it existed (and had not expired).
// Of concurrent Deletes of one key exactly one reports true.
func (s *Store) Delete(_ context.Context, key string) (bool, error) {
	sh, now := s.shard(key), s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	_, ok := sh.live(key, now)
	delete(sh.m, key)
	return ok, nil
}

// Expire gives an existing key a new TTL counted from now and reports
// whether the key existed. A non-positive ttl is an error and leaves the
// key alone.
func (s *Store) Expire(_ context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, fmt.Errorf("memstore: expire: %w", errNonPositiveTTL)
	}
	sh, now := s.shard(key), s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.live(key, now)
	if !ok {
		return false, nil
	}
	e.exp = expiry(now, ttl)
	sh.m[key] = e
	return true, nil
}

// Incr adds one to the counter under key and returns the new value. A
// missing or expired key starts at 1 with a TTL of window; later
// increments keep the TTL. It fails if the key holds something other than
// a decimal integer (wrapping auth.ErrStoreUnavailable, as Redis does), or
// if window is not positive.
func (s *Store) Incr(_ context.Context, key string, window time.Duration) (int64, error) {
	if window <= 0 {
		return 0, fmt.Errorf("memstore: incr: %w", errNonPositiveTTL)
	}
	sh, now := s.shard(key), s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.live(key, now)
	if !ok {
		sh.m[key] = entry{val: []byte{'1'}, exp: expiry(now, window)}
		sh.sweep(now)
		return 1, nil
	}
	n, err := strconv.ParseInt(string(e.val), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("memstore: incr: %w: value is not a count", auth.ErrStoreUnavailable)
	}
	if n == math.MaxInt64 {
		return 0, errors.New("memstore: incr: counter would overflow")
	}
	n++
	e.val = strconv.AppendInt(e.val[:0], n, 10) // the store owns e.val
	sh.m[key] = e
	return n, nil
}

// TTL returns the remaining lifetime of key, or auth.ErrNotFound.
func (s *Store) TTL(_ context.Context, key string) (time.Duration, error) {
	sh, now := s.shard(key), s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.live(key, now)
	if !ok {
		return 0, auth.ErrNotFound
	}
	return time.Duration(e.exp - now), nil
}

// Ping always succeeds: an in-memory store is always reachable.
func (s *Store) Ping(context.Context) error { return nil }

// shard returns the shard that holds key.
func (s *Store) shard(key string) *shard {
	return &s.shards[maphash.String(s.seed, key)&(numShards-1)]
}

// now returns the clock's time in nanoseconds since s.base.
func (s *Store) now() int64 {
	return int64(s.clock.Now().Sub(s.base))
}

// expiry returns now+ttl, saturating instead of overflowing.
func expiry(now int64, ttl time.Duration) int64 {
	if int64(ttl) > math.MaxInt64-now {
		return math.MaxInt64
	}
	return now + int64(ttl)
}

// live returns the entry under key if it has not expired at now, and
// drops it if it has. Every sweepEveryLooks-th lookup of the shard also
// sweeps it, so that a burst of keys that expired is forgotten while
// the traffic is reads (signed-in people's checks), not only writes
// (docs/contract.md, "Store housekeeping"). The caller holds sh.mu.
func (sh *shard) live(key string, now int64) (entry, bool) {
	if sh.looks++; sh.looks >= sweepEveryLooks {
		sh.looks = 0
		sh.sweep(now)
	}
	e, ok := sh.m[key]
	if !ok {
		return entry{}, false
	}
	if now >= e.exp {
		delete(sh.m, key)
		return entry{}, false
	}
	return e, true
}

// sweep inspects up to sweepSample keys, starting at the random position
// Go's map iteration picks, and drops the expired ones. It runs after
// every write that may add a key, and also gives back the memory of a
// burst gone by: once the shard holds under a quarter of its peak, its
// keys move to a map of their size (mapshrink: a copy of at most a
// quarter of the keys, after at least three quarters were dropped:
// amortised, constant per write). The caller holds sh.mu.
func (sh *shard) sweep(now int64) {
	sh.peak = max(sh.peak, len(sh.m))
	n := 0
	for k, e := range sh.m {
		if now >= e.exp {
			delete(sh.m, k)
		}
		if n++; n == sweepSample {
			break
		}
	}
	sh.m, sh.peak = mapshrink.Shrunk(sh.m, sh.peak)
}
