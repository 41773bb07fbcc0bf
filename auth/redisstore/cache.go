package redisstore

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// localCache keeps recently read values of the cached key prefixes in
// process memory. It only ever serves what the tracker vouches for: an
// entry is inserted only if no invalidation of its shard, and no loss of
// tracking, happened while it was being fetched (see reserve/fill), and it
// is dropped on the server's invalidation push, on this process's own
// writes, when its key's TTL runs out and after maxAge whatever happens.
type localCache struct {
	seed  maphash.Seed // the key's hash: shard and map key
	check maphash.Seed // a second hash, to tell keys apart

	shards   [cacheShards]cacheShard
	perShard int           // entries a shard holds before evicting
	maxAge   time.Duration // backstop on any entry's life

	// epoch changes whenever the cache is flushed (tracking lost or
	// regained, a flush-all push): a fetch that began in an earlier epoch
	// must not insert.
	epoch atomic.Uint64

	hits, misses, invalidations, flushes atomic.Uint64
}

// cacheShards spreads keys over independent locks; a power of two.
const cacheShards = 16

// cacheShard is one lock's worth of entries. gen counts invalidations in
// the shard: a fetch inserts only if gen has not moved since it began.
type cacheShard struct {
	mu      sync.Mutex
	gen     uint64
	entries map[uint64]cacheEntry // by the key's hash
}

// cacheEntry is one cached value and the monotonic instant it stops being
// served. The key itself is not kept (a session key is a fifth of its
// value's size): entries are found by the key's 64-bit hash and told
// apart by a second, independent one; two keys would have to collide on
// both, 128 bits, to be confused.
type cacheEntry struct {
	check    uint64
	value    []byte
	deadline int64 // nanoseconds on the cache's monotonic clock
}

// cacheTicket is what a fetch carries from reserve to fill.
type cacheTicket struct {
	shard *cacheShard
	hash  uint64
	gen   uint64
	epoch uint64
	start int64
}

// monoBase anchors the monotonic clock of cache deadlines.
var monoBase = time.Now()

// monoNow is nanoseconds since monoBase, from the monotonic clock.
func monoNow() int64 { return int64(time.Since(monoBase)) }

func newLocalCache(maxEntries int, maxAge time.Duration) *localCache {
	c := &localCache{seed: maphash.MakeSeed(), check: maphash.MakeSeed(), perShard: max(1, maxEntries/cacheShards), maxAge: maxAge}
	for i := range c.shards {
		c.shards[i].entries = make(map[uint64]cacheEntry)
	}
	return c
}

// locate returns key's shard and hash.
func (c *localCache) locate(key string) (*cacheShard, uint64) {
	h := maphash.String(c.seed, key)
	return &c.shards[h&(cacheShards-1)], h
}

// get returns a copy of the live value under key. The copy keeps callers
// from writing into the cache.
func (c *localCache) get(key string) ([]byte, bool) {
	sh, h := c.locate(key)
	check := maphash.String(c.check, key)
	now := monoNow()
	sh.mu.Lock()
	e, ok := sh.entries[h]
	if ok && e.check != check {
		ok = false
	} else if ok && now >= e.deadline {
		delete(sh.entries, h)
		ok = false
	}
	sh.mu.Unlock()
	if !ok {
		c.misses.Add(1)
		return nil, false
	}
	c.hits.Add(1)
	return append([]byte(nil), e.value...), true
}

// reserve starts a fetch of key: the ticket records the shard's
// invalidation count and the epoch before the read goes to Redis.
func (c *localCache) reserve(key string) cacheTicket {
	sh, h := c.locate(key)
	t := cacheTicket{shard: sh, hash: h, epoch: c.epoch.Load(), start: monoNow()}
	sh.mu.Lock()
	t.gen = sh.gen
	sh.mu.Unlock()
	return t
}

// fill inserts what a fetch read, to be served until ttl (the key's
// remaining TTL when read) or maxAge has passed since the fetch began,
// unless the shard saw an invalidation or the cache an epoch change
// meanwhile: then the value may already be stale and is not kept.
func (c *localCache) fill(t cacheTicket, key string, value []byte, ttl time.Duration) {
	life := min(ttl, c.maxAge)
	if life <= 0 {
		return
	}
	sh := t.shard
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.gen != t.gen || c.epoch.Load() != t.epoch {
		return
	}
	if _, ok := sh.entries[t.hash]; !ok && len(sh.entries) >= c.perShard {
		sh.evictLocked(monoNow())
	}
	sh.entries[t.hash] = cacheEntry{check: maphash.String(c.check, key), value: value, deadline: t.start + int64(life)}
}

// evictLocked makes room: expired entries go first, and if none had
// expired, one arbitrary entry (map iteration order is random).
func (sh *cacheShard) evictLocked(now int64) {
	evicted := false
	for k, e := range sh.entries {
		if now >= e.deadline {
			delete(sh.entries, k)
			evicted = true
		}
	}
	if evicted {
		return
	}
	for k := range sh.entries {
		delete(sh.entries, k)
		return
	}
}

// invalidate drops key and fails any fetch of a key in its shard that is
// under way.
func (c *localCache) invalidate(key string) {
	c.invalidations.Add(1)
	sh, h := c.locate(key)
	sh.mu.Lock()
	sh.gen++
	delete(sh.entries, h)
	sh.mu.Unlock()
}

// flush drops everything and fails every fetch under way.
func (c *localCache) flush() {
	c.flushes.Add(1)
	c.epoch.Add(1)
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		sh.gen++
		clear(sh.entries)
		sh.mu.Unlock()
	}
}

// len is the number of entries, expired or not (tests and metrics).
func (c *localCache) len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		n += len(sh.entries)
		sh.mu.Unlock()
	}
	return n
}
