package instrumented

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// storeBuckets span a local Redis round trip (a fraction of a
// millisecond) to the largest sensible op_timeout.
var storeBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}

// Store operations, the values of the "op" label.
const (
	opGet      = "get"
	opSet      = "set"
	opSetNX    = "setnx"
	opSetXX    = "setxx"
	opDelete   = "delete"
	opExpire   = "expire"
	opIncr     = "incr"
	opTTL      = "ttl"
	opPing     = "ping"
	opSAdd     = "sadd"
	opSRem     = "srem"
	opSMembers = "smembers"
	opZAdd     = "zadd"
	opZRem     = "zrem"
	opZAfter   = "zafter"
	opGetMany  = "getmany"
	opCAS      = "cas"
	opCAD      = "cad"
)

// opMetrics are the pre-resolved series of one operation.
type opMetrics struct {
	duration prometheus.Observer
	errors   prometheus.Counter
}

// observe records one call that began at begin and ended with err. A
// missing key is an answer, not an error.
func (m *opMetrics) observe(begin time.Time, err error) {
	m.duration.Observe(time.Since(begin).Seconds())
	if err != nil && !errors.Is(err, auth.ErrNotFound) {
		m.errors.Inc()
	}
}

// Store is an auth.Store that records gatehouse_store_duration_seconds and
// gatehouse_store_errors_total per operation.
type Store struct {
	next                                                 auth.Store
	get, set, setNX, setXX, del, expire, incr, ttl, ping *opMetrics
}

// setStore is a Store over a store that also keeps sets.
type setStore struct {
	*Store
	sets                 auth.SetStore
	sadd, srem, smembers *opMetrics
}

// NewStore returns next wrapped in a Store that records its calls in
// reg. The result implements auth.SetStore exactly when next does, and
// auth.SortedIndex, auth.MultiGetter and auth.Swapper (what the users
// backend needs) when next implements all four. It
// fails if reg already holds the store series (one store per registry).
func NewStore(next auth.Store, reg prometheus.Registerer) (auth.Store, error) {
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gatehouse_store_duration_seconds",
		Help:    "Time taken by state store calls (sessions, codes, counters), by operation.",
		Buckets: storeBuckets,
	}, []string{"op"})
	errs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gatehouse_store_errors_total",
		Help: "State store calls that failed (unreachable, timed out), by operation. A missing key is not an error.",
	}, []string{"op"})
	if err := reg.Register(duration); err != nil {
		return nil, err
	}
	if err := reg.Register(errs); err != nil {
		return nil, err
	}
	op := func(name string) *opMetrics {
		return &opMetrics{duration: duration.WithLabelValues(name), errors: errs.WithLabelValues(name)}
	}
	s := &Store{
		next: next, get: op(opGet), set: op(opSet), setNX: op(opSetNX), setXX: op(opSetXX), del: op(opDelete),
		expire: op(opExpire), incr: op(opIncr), ttl: op(opTTL), ping: op(opPing),
	}
	if sets, ok := next.(auth.SetStore); ok {
		ss := &setStore{Store: s, sets: sets, sadd: op(opSAdd), srem: op(opSRem), smembers: op(opSMembers)}
		idx, ok1 := next.(auth.SortedIndex)
		mg, ok2 := next.(auth.MultiGetter)
		sw, ok3 := next.(auth.Swapper)
		if ok1 && ok2 && ok3 {
			return &indexStore{setStore: ss, idx: idx, mg: mg, sw: sw, zadd: op(opZAdd), zrem: op(opZRem), zafter: op(opZAfter),
				getMany: op(opGetMany), cas: op(opCAS), cad: op(opCAD)}, nil
		}
		return ss, nil
	}
	return s, nil
}

// Get implements auth.KV.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	begin := time.Now()
	v, err := s.next.Get(ctx, key)
	s.get.observe(begin, err)
	return v, err
}

// Set implements auth.KV.
func (s *Store) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	begin := time.Now()
	err := s.next.Set(ctx, key, value, ttl)
	s.set.observe(begin, err)
	return err
}

// Delete implements auth.KV.
func (s *Store) Delete(ctx context.Context, key string) (bool, error) {
	begin := time.Now()
	ok, err := s.next.Delete(ctx, key)
	s.del.observe(begin, err)
	return ok, err
}

// Expire implements auth.KV.
func (s *Store) Expire(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	begin := time.Now()
	ok, err := s.next.Expire(ctx, key, ttl)
	s.expire.observe(begin, err)
	return ok, err
}

// SetIfExists implements auth.KV.
func (s *Store) SetIfExists(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	begin := time.Now()
	ok, err := s.next.SetIfExists(ctx, key, value, ttl)
	s.setXX.observe(begin, err)
	return ok, err
}

// Incr implements auth.Counter.
func (s *Store) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	begin := time.Now()
	n, err := s.next.Incr(ctx, key, window)
	s.incr.observe(begin, err)
	return n, err
}

// TTL implements auth.Counter.
func (s *Store) TTL(ctx context.Context, key string) (time.Duration, error) {
	begin := time.Now()
	d, err := s.next.TTL(ctx, key)
	s.ttl.observe(begin, err)
	return d, err
}

// SetNX implements auth.Store.
func (s *Store) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	begin := time.Now()
	ok, err := s.next.SetNX(ctx, key, value, ttl)
	s.setNX.observe(begin, err)
	return ok, err
}

// Ping implements auth.Store.
func (s *Store) Ping(ctx context.Context) error {
	begin := time.Now()
	err := s.next.Ping(ctx)
	s.ping.observe(begin, err)
	return err
}

// SAdd implements auth.SetStore.
func (s *setStore) SAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	begin := time.Now()
	err := s.sets.SAdd(ctx, key, member, ttl)
	s.sadd.observe(begin, err)
	return err
}

// SRem implements auth.SetStore.
func (s *setStore) SRem(ctx context.Context, key, member string) error {
	begin := time.Now()
	err := s.sets.SRem(ctx, key, member)
	s.srem.observe(begin, err)
	return err
}

// SMembers implements auth.SetStore.
func (s *setStore) SMembers(ctx context.Context, key string) ([]string, error) {
	begin := time.Now()
	v, err := s.sets.SMembers(ctx, key)
	s.smembers.observe(begin, err)
	return v, err
}

// indexStore is a setStore over a store that also keeps sorted indexes,
// reads many keys at once and compares and sets (both stores of this
// project).
type indexStore struct {
	*setStore
	idx                                   auth.SortedIndex
	mg                                    auth.MultiGetter
	sw                                    auth.Swapper
	zadd, zrem, zafter, getMany, cas, cad *opMetrics
}

// ZAdd implements auth.SortedIndex.
func (s *indexStore) ZAdd(ctx context.Context, key, member string, ttl time.Duration) error {
	begin := time.Now()
	err := s.idx.ZAdd(ctx, key, member, ttl)
	s.zadd.observe(begin, err)
	return err
}

// ZRem implements auth.SortedIndex.
func (s *indexStore) ZRem(ctx context.Context, key, member string) error {
	begin := time.Now()
	err := s.idx.ZRem(ctx, key, member)
	s.zrem.observe(begin, err)
	return err
}

// ZAfter implements auth.SortedIndex.
func (s *indexStore) ZAfter(ctx context.Context, key, after string, n int) ([]string, error) {
	begin := time.Now()
	v, err := s.idx.ZAfter(ctx, key, after, n)
	s.zafter.observe(begin, err)
	return v, err
}

// GetMany implements auth.MultiGetter.
func (s *indexStore) GetMany(ctx context.Context, keys []string) ([][]byte, error) {
	begin := time.Now()
	v, err := s.mg.GetMany(ctx, keys)
	s.getMany.observe(begin, err)
	return v, err
}

// CompareAndSwap implements auth.Swapper.
func (s *indexStore) CompareAndSwap(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, error) {
	begin := time.Now()
	ok, err := s.sw.CompareAndSwap(ctx, key, old, value, ttl)
	s.cas.observe(begin, err)
	return ok, err
}

// CompareAndDelete implements auth.Swapper.
func (s *indexStore) CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error) {
	begin := time.Now()
	ok, err := s.sw.CompareAndDelete(ctx, key, old)
	s.cad.observe(begin, err)
	return ok, err
}

// Interface guards.
var (
	_ auth.Swapper     = (*indexStore)(nil)
	_ auth.SortedIndex = (*indexStore)(nil)
	_ auth.MultiGetter = (*indexStore)(nil)
	_ auth.Store       = (*Store)(nil)
	_ auth.Store       = (*setStore)(nil)
	_ auth.SetStore    = (*setStore)(nil)
)
