package redisstore

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"

	"github.com/redis/go-redis/v9"
)

// CacheOptions configure the client-side cache (NewCached).
type CacheOptions struct {
	// Prefixes are the key prefixes (after the store's own prefix) whose
	// values are cached: keys read on every request and rarely written,
	// such as sessions.
	Prefixes []string
	// MaxEntries bounds the cache (DefaultCacheEntries if not positive).
	MaxEntries int
	// MaxAge bounds how long any entry is served without asking Redis
	// again, whatever the invalidations say (DefaultCacheMaxAge if not
	// positive). It is a backstop: invalidation is what keeps entries
	// fresh.
	MaxAge time.Duration
	// Logger receives tracking connection events; nil discards them.
	Logger *slog.Logger
}

// Defaults for CacheOptions.
const (
	DefaultCacheEntries = 10000
	DefaultCacheMaxAge  = 10 * time.Second
)

// sentinelClientAddr is the Addr go-redis gives the *redis.Client it
// builds for a Sentinel-managed master: its connections follow failovers,
// which one tracking connection cannot.
const sentinelClientAddr = "FailoverClient"

// ErrCacheUnsupported is returned by EnableCache for a client other than
// a single standalone server: tracking one connection cannot cover a
// cluster's masters or follow a Sentinel failover.
var ErrCacheUnsupported = errors.New("redisstore: the client-side cache needs a standalone redis server")

// Cached is a Store with a client-side cache of reads (docs/contract.md,
// "Client-side cache of session reads"): GETs of keys under the
// configured prefixes are answered from process memory when the same key
// was read before, and Redis's server-assisted invalidation (CLIENT
// TRACKING in broadcast mode, on a connection of its own) drops an entry
// as soon as anything changes the key in Redis: a write from this or any
// other process, an expiry, an eviction. An entry also never outlives the
// key's TTL as read, nor MaxAge. While the tracking connection is down,
// or Redis has not answered a heartbeat sent within half the op timeout,
// nothing is served from the cache and reads go to Redis (and fail
// closed with it). Every other call goes to the Store; writes of this
// process also drop the key from its cache.
type Cached struct {
	*Store
	cache   *localCache
	tracker *tracker
	cached  []string // key prefixes whose values are cached
}

// Interface guards.
var (
	_ auth.Store   = (*Cached)(nil)
	_ auth.Swapper = (*Cached)(nil)
)

// NewCached returns st with the client-side cache, and starts its
// tracking goroutine, which runs until Close. A refusal by Redis (version
// before 6, an ACL without CLIENT TRACKING) is logged and leaves reads
// uncached; a client other than one standalone server is
// ErrCacheUnsupported.
func NewCached(st *Store, opts CacheOptions) (*Cached, error) {
	c, ok := st.client.(*redis.Client)
	if !ok || c.Options().Addr == sentinelClientAddr {
		return nil, ErrCacheUnsupported
	}
	if len(opts.Prefixes) == 0 {
		return nil, errors.New("redisstore: client cache: no prefixes")
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultCacheEntries
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultCacheMaxAge
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o := c.Options()
	full := make([]string, len(opts.Prefixes))
	for i, p := range opts.Prefixes {
		full[i] = st.prefix + p
	}
	s := &Cached{Store: st, cached: append([]string(nil), opts.Prefixes...), cache: newLocalCache(opts.MaxEntries, opts.MaxAge)}
	ctx, stop := context.WithCancel(context.Background())
	s.tracker = &tracker{
		dial: func(ctx context.Context) (net.Conn, error) {
			return o.Dialer(ctx, o.Network, o.Addr)
		},
		hello:     helloArgs(o.Username, o.Password),
		prefixes:  full,
		strip:     st.prefix,
		cache:     s.cache,
		opTimeout: st.opTimeout,
		window:    st.opTimeout / 2,
		heartbeat: heartbeatFor(st.opTimeout / 2),
		log:       log,
		stop:      stop,
		done:      make(chan struct{}),
	}
	go s.tracker.run(ctx)
	return s, nil
}

// heartbeatFor pings four times per window, so that one late answer does
// not stop the cache, within 5 ms to 1 s.
func heartbeatFor(window time.Duration) time.Duration {
	return min(max(window/4, 5*time.Millisecond), time.Second)
}

// Close stops the tracking connection. The store keeps working,
// uncached. It does not close the go-redis client.
func (s *Cached) Close() error {
	s.tracker.close()
	return nil
}

// CacheStats are the client-side cache's counters since NewCached.
type CacheStats struct {
	Hits, Misses  uint64 // reads answered from memory / from Redis
	Invalidations uint64 // keys dropped by a push or a write of ours
	Flushes       uint64 // whole-cache drops (tracking lost or regained)
	Entries       int    // entries held now
	Tracking      bool   // the tracking connection is up
}

// CacheStats returns the cache's counters.
func (s *Cached) CacheStats() CacheStats {
	return CacheStats{
		Hits:          s.cache.hits.Load(),
		Misses:        s.cache.misses.Load(),
		Invalidations: s.cache.invalidations.Load(),
		Flushes:       s.cache.flushes.Load(),
		Entries:       s.cache.len(),
		Tracking:      s.tracker.tracking.Load(),
	}
}

// cacheable reports whether key's value may be cached.
func (s *Cached) cacheable(key string) bool {
	for _, p := range s.cached {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// Get returns the value under key, or auth.ErrNotFound: from the cache
// when key is cacheable, was read before and tracking is healthy.
func (s *Cached) Get(ctx context.Context, key string) ([]byte, error) {
	if !s.cacheable(key) {
		return s.Store.Get(ctx, key)
	}
	healthy := s.tracker.healthy()
	if healthy {
		if v, ok := s.cache.get(key); ok {
			return v, nil
		}
	}
	ticket := s.cache.reserve(key)
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	pipe := s.client.Pipeline()
	get := pipe.Get(ctx, s.prefix+key)
	pttl := pipe.PTTL(ctx, s.prefix+key)
	_, _ = pipe.Exec(ctx)
	v, err := get.Bytes()
	if err != nil {
		return nil, fail("get", err)
	}
	// PTTL's -1 (no expiry: not written by this store) and -2 (gone since
	// the GET: cannot happen in one pipeline, but then do not keep it)
	// come through as nanoseconds.
	if ttl, err := pttl.Result(); err == nil && healthy && s.tracker.healthy() {
		switch ttl {
		case -1:
			ttl = NoExpiry
		case -2:
			ttl = 0
		}
		s.cache.fill(ticket, key, bytes.Clone(v), ttl)
	}
	return v, nil
}

// wrote drops key from the cache after this process changed it (or may
// have: a write that failed may still have reached Redis), so that a read
// here never returns what was there before. The tracking push that
// follows does the same for every other process.
func (s *Cached) wrote(key string) {
	if s.cacheable(key) {
		s.cache.invalidate(key)
	}
}

// Set is Store.Set, then drops key from this process's cache.
func (s *Cached) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	defer s.wrote(key)
	return s.Store.Set(ctx, key, value, ttl)
}

// SetNX is Store.SetNX, then drops key from this process's cache.
func (s *Cached) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	defer s.wrote(key)
	return s.Store.SetNX(ctx, key, value, ttl)
}

// SetIfExists is Store.SetIfExists, then drops key from this process's
// cache, whether or not it wrote: a key found gone must not be read from
// the cache again.
func (s *Cached) SetIfExists(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	defer s.wrote(key)
	return s.Store.SetIfExists(ctx, key, value, ttl)
}

// CompareAndSwap is Store.CompareAndSwap, then drops key from this
// process's cache, whether or not it swapped: a swap that lost read a
// value that is no longer there, which the next read must not get from
// the cache again.
func (s *Cached) CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	defer s.wrote(key)
	return s.Store.CompareAndSwap(ctx, key, old, value, ttl)
}

// CompareAndDelete is Store.CompareAndDelete, then drops key from this
// process's cache, whether or not it deleted.
func (s *Cached) CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error) {
	defer s.wrote(key)
	return s.Store.CompareAndDelete(ctx, key, old)
}

// Delete is Store.Delete, then drops key from this process's cache.
func (s *Cached) Delete(ctx context.Context, key string) (bool, error) {
	defer s.wrote(key)
	return s.Store.Delete(ctx, key)
}

// Expire is Store.Expire, then drops key from this process's cache.
func (s *Cached) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	defer s.wrote(key)
	return s.Store.Expire(ctx, key, ttl)
}

// Incr is Store.Incr, then drops key from this process's cache.
func (s *Cached) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	defer s.wrote(key)
	return s.Store.Incr(ctx, key, window)
}
