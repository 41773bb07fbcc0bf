package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
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
