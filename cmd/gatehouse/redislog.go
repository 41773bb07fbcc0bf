package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
)

// redisLogEvery is the most often the Redis client's own messages are
// logged; during an outage it reports every failed dial.
const redisLogEvery = time.Second

// redisLogger turns the Redis client's messages (failed dials, failovers)
// into structured warnings, at most one per redisLogEvery, counting what it
// drops.
type redisLogger struct {
	log     *slog.Logger
	mu      sync.Mutex
	last    time.Time
	dropped int
}

// useRedisLogger routes go-redis's process-wide logger to log.
func useRedisLogger(log *slog.Logger) {
	redis.SetLogger(&redisLogger{log: log})
}

// Printf implements go-redis's logging interface.
func (l *redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.mu.Lock()
	now := time.Now()
	if now.Sub(l.last) < redisLogEvery {
		l.dropped++
		l.mu.Unlock()
		return
	}
	dropped := l.dropped
	l.last, l.dropped = now, 0
	l.mu.Unlock()
	l.log.WarnContext(ctx, "redis client", "message", fmt.Sprintf(format, v...), "similar_dropped", dropped)
}

// warnEviction logs each Redis master whose maxmemory-policy may evict
// Gatehouse's keys when it is full (docs/operations.md, "Redis
// settings"): a session, a ban or an account would then vanish silently.
// It does not refuse to start: a Redis with room to spare evicts nothing,
// and managed ones often default to volatile-lru.
func warnEviction(ctx context.Context, client redis.UniversalClient, log *slog.Logger) {
	risks, err := redisstore.EvictionRisks(ctx, client)
	if err != nil {
		log.Warn("could not read redis's maxmemory-policy (INFO memory); make sure it is noeviction", "error", err)
		return
	}
	for _, r := range risks {
		args := []any{"maxmemory_policy", r.Policy, "maxmemory", r.MaxMemory}
		if r.Addr != "" {
			args = append(args, "node", r.Addr)
		}
		log.Warn("redis may evict Gatehouse's keys when full; set maxmemory-policy noeviction", args...)
	}
}
