package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/config"
)

// DefaultOpTimeout is the per-call timeout used when none is configured.
const DefaultOpTimeout = 500 * time.Millisecond

// connBufferSize is the read and write buffer of each Redis connection.
const connBufferSize = 4 << 10

// NoExpiry is what TTL reports for a key that exists but has no expiry.
// The Store never writes such keys; one can only come from outside.
const NoExpiry = time.Duration(math.MaxInt64)

// errNonPositiveTTL is returned, without asking Redis, when a TTL or window
// is not positive.
var errNonPositiveTTL = errors.New("ttl must be positive")

// incrScript increments a counter and gives it the window as its TTL on
// the first increment. It also repairs a counter that has no TTL (left by
// an interrupted client or written from outside), so that no counter can
// live forever.
var incrScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then
	redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
`)

// Store is an auth.Store on Redis. It is safe for concurrent use. It does
// not own its client: whoever created the client closes it.
type Store struct {
	client    redis.UniversalClient
	prefix    string
	opTimeout time.Duration
	// journal keeps security-relevant writes for replay on a new master;
	// nil keeps none (WithJournal).
	journal *Journal
}

// Client is the go-redis client s works on (for an operator command that
// also reads the audit stream).
func (s *Store) Client() redis.UniversalClient { return s.client }

// WithJournal makes s record its security-relevant writes in j, whose
// OnConnect the client must run (ClientOptions.OnConnect: NewClient with
// j). It returns s.
func (s *Store) WithJournal(j *Journal) *Store {
	s.journal = j
	return s
}

// Interface guards.
var (
	_ auth.Store   = (*Store)(nil)
	_ auth.Swapper = (*Store)(nil)
)

// New returns a store that keeps its keys under prefix on client and gives
// every call opTimeout to complete (DefaultOpTimeout if opTimeout is not
// positive). It does no I/O.
func New(client redis.UniversalClient, prefix string, opTimeout time.Duration) *Store {
	if opTimeout <= 0 {
		opTimeout = DefaultOpTimeout
	}
	return &Store{client: client, prefix: prefix, opTimeout: opTimeout}
}

// ClientOption adjusts the client NewClient builds.
type ClientOption func(*redis.UniversalOptions)

// WithReplay runs j.OnConnect on every new connection of the client, so
// that a master not seen before gets the journal's recent writes before
// anything else (docs/contract.md, "Failover durability").
func WithReplay(j *Journal) ClientOption {
	return func(o *redis.UniversalOptions) { o.OnConnect = j.OnConnect }
}

// NewClient builds the go-redis client described by cfg without
// connecting: one address is a standalone server, several a cluster, and
// a master_name makes the addresses Sentinels. The password is expected
// in cfg.Password (config.Load reads password_file into it); the TLS
// files are read here, and one that cannot be is an error.
func NewClient(cfg config.Redis, options ...ClientOption) (redis.UniversalClient, error) {
	if len(cfg.Addrs) == 0 {
		return nil, errors.New("redisstore: no redis address configured")
	}
	if cfg.MasterName == "" && len(cfg.Addrs) > 1 && cfg.DB != 0 {
		return nil, errors.New("redisstore: a redis cluster has only db 0")
	}
	opTimeout := cfg.OpTimeout
	if opTimeout <= 0 {
		opTimeout = DefaultOpTimeout
	}
	opts := &redis.UniversalOptions{
		Addrs:      cfg.Addrs,
		MasterName: cfg.MasterName,
		Username:   cfg.Username,
		Password:   cfg.Password,
		DB:         cfg.DB,
		// Sentinels usually share the data nodes' credentials.
		SentinelUsername: cfg.Username,
		SentinelPassword: cfg.Password,

		DialTimeout:  cfg.DialTimeout, // 0: go-redis's default
		ReadTimeout:  opTimeout,
		WriteTimeout: opTimeout,
		// Let each call's context deadline bound its socket I/O too.
		ContextTimeoutEnabled: true,
		// Calls are short; a few connections per core cover a busy
		// gateway, and waiting longer than a call may take is pointless.
		PoolSize:    max(20, 10*runtime.GOMAXPROCS(0)),
		PoolTimeout: opTimeout,
		// Values are a few hundred bytes: 4 KiB buffers still read and
		// write each command in one go (longer replies are read whole
		// anyway). go-redis's defaults, 32 KiB per pooled connection and
		// 128 KiB per pipeline connection, each way, made up a fifth of
		// the gateway's memory under load.
		ReadBufferSize:          connBufferSize,
		WriteBufferSize:         connBufferSize,
		PipelineReadBufferSize:  connBufferSize,
		PipelineWriteBufferSize: connBufferSize,
	}
	tc, err := tlsConfig(cfg)
	if err != nil {
		return nil, err
	}
	opts.TLSConfig = tc
	for _, o := range options {
		o(opts)
	}
	return redis.NewUniversalClient(opts), nil
}

// Get returns the value under key, or auth.ErrNotFound.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	v, err := s.client.Get(ctx, s.prefix+key).Bytes()
	if err != nil {
		return nil, fail("get", err)
	}
	return v, nil
}

// Set stores value under key for ttl (rounded up to whole milliseconds),
// replacing any value and TTL the key had. A non-positive ttl is an error.
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("redisstore: set: %w", errNonPositiveTTL)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	before, err := s.beforeWrite(ctx, key)
	if err != nil {
		return fail("set", err)
	}
	if err := s.client.Set(ctx, s.prefix+key, value, ceilMillis(ttl)).Err(); err != nil {
		return fail("set", err)
	}
	if s.journal != nil {
		s.journalSet(key, value, before, ttl)
	}
	return nil
}

// SetNX stores value under key for ttl if the key does not exist and
// reports whether it did. A non-positive ttl is an error.
func (s *Store) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, fmt.Errorf("redisstore: setnx: %w", errNonPositiveTTL)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	if s.journal != nil && auth.ClassOf(key) == auth.KeyBan {
		return s.setBanJournaled(ctx, key, value, ttl)
	}
	ok, err := s.client.SetNX(ctx, s.prefix+key, value, ceilMillis(ttl)).Result()
	if err != nil {
		return false, fail("setnx", err)
	}
	return ok, nil
}

// Delete removes key and reports whether it existed. Of concurrent
// Deletes of one key exactly one reports true.
func (s *Store) Delete(ctx context.Context, key string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	if s.journal != nil {
		return s.deleteJournaled(ctx, key)
	}
	n, err := s.client.Del(ctx, s.prefix+key).Result()
	if err != nil {
		return false, fail("delete", err)
	}
	return n == 1, nil
}

// deleteJournaled is Delete with the journal.
func (s *Store) deleteJournaled(ctx context.Context, key string) (bool, error) {
	full := s.prefix + key
	switch auth.ClassOf(key) {
	case auth.KeySession:
		var del *redis.IntCmd
		// One round trip; no MULTI: the tombstone only has to outlive
		// every replay of a login before it (tombstoneLife), not to
		// appear at the same instant.
		_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			del = p.Del(ctx, full)
			p.Set(ctx, tombstone(full), "1", ceilMillis(tombstoneLife(s.journal.window)))
			return nil
		})
		if err != nil {
			return false, fail("delete", err)
		}
		s.journal.add(entry{op: opDelSession, key: full})
		return del.Val() == 1, nil
	case auth.KeyBan:
		// A ban lifted (a credential id's entry released): see
		// liftJournaled.
		return s.liftJournaled(ctx, full)
	case auth.KeyRevocable:
		n, err := s.client.Del(ctx, full).Result()
		if err != nil {
			return false, fail("delete", err)
		}
		s.journal.add(entry{op: opDel, key: full})
		return n == 1, nil
	case auth.KeyRecord:
		before, err := s.beforeWrite(ctx, key)
		if err != nil {
			return false, fail("delete", err)
		}
		n, err := s.client.Del(ctx, full).Result()
		if err != nil {
			return false, fail("delete", err)
		}
		if before != nil {
			s.journal.add(entry{op: opCASDel, key: full, before: before})
		}
		return n == 1, nil
	}
	n, err := s.client.Del(ctx, full).Result()
	if err != nil {
		return false, fail("delete", err)
	}
	return n == 1, nil
}

// Expire gives an existing key a new TTL counted from now and reports
// whether the key existed. A non-positive ttl is an error and leaves the
// key alone (Redis would delete it). A ban's key (auth.KeyBan) is
// journaled with its new expiry.
func (s *Store) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, fmt.Errorf("redisstore: expire: %w", errNonPositiveTTL)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	if s.journal != nil && auth.ClassOf(key) == auth.KeyBan {
		return s.expireBanJournaled(ctx, key, ttl)
	}
	ok, err := s.client.PExpire(ctx, s.prefix+key, ceilMillis(ttl)).Result()
	if err != nil {
		return false, fail("expire", err)
	}
	return ok, nil
}

// Incr adds one to the counter under key and returns the new value,
// atomically. The first increment gives the key a TTL of window; later
// ones keep it. A non-positive window is an error.
func (s *Store) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	if window <= 0 {
		return 0, fmt.Errorf("redisstore: incr: %w", errNonPositiveTTL)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	n, err := incrScript.Run(ctx, s.client, []string{s.prefix + key}, ceilMillis(window).Milliseconds()).Int64()
	if err != nil {
		return 0, fail("incr", err)
	}
	return n, nil
}

// TTL returns the remaining lifetime of key, or auth.ErrNotFound. A key
// without expiry (never written by this Store) reports NoExpiry.
func (s *Store) TTL(ctx context.Context, key string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	d, err := s.client.PTTL(ctx, s.prefix+key).Result()
	if err != nil {
		return 0, fail("ttl", err)
	}
	// go-redis passes PTTL's -2 (no key) and -1 (no expiry) through as
	// nanoseconds rather than milliseconds.
	switch d {
	case -2:
		return 0, auth.ErrNotFound
	case -1:
		return NoExpiry, nil
	}
	return d, nil
}

// readyProbe is the key Ping deletes: never written, so its DEL changes
// nothing.
const readyProbe = "readyz:never-written"

// Ping reports whether Redis answers, wrapping auth.ErrStoreUnavailable if
// not. On a cluster every master must answer and say that every slot is
// served (clusterServes): with a master down, or a slot nobody serves,
// the keys there are unreachable though the masters answer PING
// (docs/contract.md, "HTTP endpoints"). Elsewhere it must take a write:
// a server the sentinels name as master that has turned replica
// (READONLY), or a master short of its min-replicas-to-write
// (NOREPLICAS), answers PING while it refuses every write.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	var err error
	if cc, ok := s.client.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, clusterServes)
	} else {
		err = s.client.Del(ctx, s.prefix+readyProbe).Err()
	}
	if err != nil {
		return fail("ping", err)
	}
	return nil
}

// fail translates a go-redis error: redis.Nil becomes auth.ErrNotFound,
// anything else wraps auth.ErrStoreUnavailable. The key is never part of
// the message: keys can hold session ids.
func fail(op string, err error) error {
	if errors.Is(err, redis.Nil) {
		return auth.ErrNotFound
	}
	return fmt.Errorf("redisstore: %s: %w: %w", op, auth.ErrStoreUnavailable, err)
}

// ceilMillis rounds d up to whole milliseconds, the precision of Redis
// TTLs, so a positive TTL never becomes zero.
func ceilMillis(d time.Duration) time.Duration {
	if d > math.MaxInt64-time.Millisecond {
		return d.Truncate(time.Millisecond)
	}
	return (d + time.Millisecond - 1).Truncate(time.Millisecond)
}
