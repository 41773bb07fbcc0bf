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

// enableClientCache turns on store.redis.client_cache for a standalone
// server (sessions and user records, the reads every request makes) and
// exports its counters. A cluster or Sentinel runs uncached.
func enableClientCache(st *redisstore.Store, cfg config.Redis, reg prometheus.Registerer, log *slog.Logger) error {
	cc := cfg.ClientCache
	if !cc.Enabled {
		return nil
	}
	err := st.EnableCache(redisstore.CacheOptions{
		Prefixes:   []string{auth.SessionKeyPrefix, storeusers.RecordKeyPrefix},
		MaxEntries: cc.MaxEntries,
		MaxAge:     cc.MaxAge,
		Logger:     log,
	})
	if errors.Is(err, redisstore.ErrCacheUnsupported) {
		log.Info("redis client cache: off (it needs a standalone server, not a cluster or Sentinel)")
		return nil
	}
	if err != nil {
		return err
	}
	stat := func(f func(redisstore.CacheStats) float64) func() float64 {
		return func() float64 {
			s, _ := st.CacheStats()
			return f(s)
		}
	}
	return errors.Join(
		reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "gatehouse_store_cache_hits_total", Help: "Store reads answered from the client-side cache.",
		}, stat(func(s redisstore.CacheStats) float64 { return float64(s.Hits) }))),
		reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "gatehouse_store_cache_misses_total", Help: "Cacheable store reads that went to Redis.",
		}, stat(func(s redisstore.CacheStats) float64 { return float64(s.Misses) }))),
		reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "gatehouse_store_cache_invalidations_total", Help: "Cache entries dropped because the key changed.",
		}, stat(func(s redisstore.CacheStats) float64 { return float64(s.Invalidations) }))),
		reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "gatehouse_store_cache_flushes_total", Help: "Whole-cache drops (tracking connection lost or regained).",
		}, stat(func(s redisstore.CacheStats) float64 { return float64(s.Flushes) }))),
		reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "gatehouse_store_cache_entries", Help: "Entries in the client-side cache.",
		}, stat(func(s redisstore.CacheStats) float64 { return float64(s.Entries) }))),
		reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "gatehouse_store_cache_tracking", Help: "1 while the cache's invalidation connection to Redis is up.",
		}, stat(func(s redisstore.CacheStats) float64 {
			if s.Tracking {
				return 1
			}
			return 0
		}))),
	)
}
