package main

import (
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/config"
)

// withClientCache returns st with store.redis.client_cache on a
// standalone server (sessions and user records, the reads every request
// makes), exporting its counters, and the cache's Close; st itself when
// the cache is off or the server is a cluster or Sentinel.
func withClientCache(st *redisstore.Store, cfg config.Redis, reg prometheus.Registerer, log *slog.Logger) (auth.Store, func() error, error) {
	none := func() error { return nil }
	cc := cfg.ClientCache
	if !cc.Enabled {
		return st, none, nil
	}
	cached, err := redisstore.NewCached(st, redisstore.CacheOptions{
		Prefixes:   []string{auth.SessionKeyPrefix, storeusers.RecordKeyPrefix},
		MaxEntries: cc.MaxEntries,
		MaxAge:     cc.MaxAge,
		Logger:     log,
	})
	if errors.Is(err, redisstore.ErrCacheUnsupported) {
		log.Info("redis client cache: off (it needs a standalone server, not a cluster or Sentinel)")
		return st, none, nil
	}
	if err != nil {
		return nil, nil, err
	}
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	series := []struct {
		name, help string
		counter    bool
		value      func(redisstore.CacheStats) float64
	}{
		{"gatehouse_store_cache_hits_total", "Store reads answered from the client-side cache.", true,
			func(s redisstore.CacheStats) float64 { return float64(s.Hits) }},
		{"gatehouse_store_cache_misses_total", "Cacheable store reads that went to Redis.", true,
			func(s redisstore.CacheStats) float64 { return float64(s.Misses) }},
		{"gatehouse_store_cache_invalidations_total", "Cache entries dropped because the key changed.", true,
			func(s redisstore.CacheStats) float64 { return float64(s.Invalidations) }},
		{"gatehouse_store_cache_flushes_total", "Whole-cache drops (tracking connection lost or regained).", true,
			func(s redisstore.CacheStats) float64 { return float64(s.Flushes) }},
		{"gatehouse_store_cache_entries", "Entries in the client-side cache.", false,
			func(s redisstore.CacheStats) float64 { return float64(s.Entries) }},
		{"gatehouse_store_cache_tracking", "1 while the cache's invalidation connection to Redis is up.", false,
			func(s redisstore.CacheStats) float64 { return b2f(s.Tracking) }},
	}
	var errs []error
	for _, m := range series {
		f := func() float64 {
			return m.value(cached.CacheStats())
		}
		var c prometheus.Collector
		if m.counter {
			c = prometheus.NewCounterFunc(prometheus.CounterOpts{Name: m.name, Help: m.help}, f)
		} else {
			c = prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: m.name, Help: m.help}, f)
		}
		errs = append(errs, reg.Register(c))
	}
	if err := errors.Join(errs...); err != nil {
		_ = cached.Close()
		return nil, nil, err
	}
	return cached, cached.Close, nil
}
