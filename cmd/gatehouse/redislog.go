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

// redisStartProblem is the start-up log line for a Redis that does not
// serve the gateway yet: one refusing its credentials or a command its
// ACL user may not run (docs/operations.md, "Redis settings"), or one
// refusing writes (a replica, a master short of min-replicas-to-write),
// is said so, not taken for a Redis that is down. Redis's message (err) never
// holds the password.
func redisStartProblem(err error) string {
	switch {
	case redis.IsAuthError(err):
		return "redis refused the username or password; serving 503 until it accepts them"
	case redis.IsPermissionError(err):
		return `the redis user may not run a command gatehouse sends; serving 503 until it may (docs/operations.md, "Redis settings")`
	case redis.IsReadOnlyError(err), redis.IsNoReplicasError(err):
		return "redis refuses writes (a replica, or a master short of min-replicas-to-write); serving 503 until it takes them"
	}
	return "redis not reachable at startup; serving 503 until it is"
}

// warnClusterInfoRefused warns, at start, when a Redis Cluster master
// refuses CLUSTER INFO to the gateway's user: /readyz then asks it PING
// alone and stays 200 while a slot is served by nobody
// (docs/operations.md, "Redis settings").
func warnClusterInfoRefused(ctx context.Context, client redis.UniversalClient, log *slog.Logger) {
	if err := redisstore.ClusterInfoRefused(ctx, client); err != nil {
		log.WarnContext(ctx, `the redis user may not run CLUSTER INFO: /readyz cannot tell a cluster slot served by nobody; add +cluster|info (docs/operations.md, "Redis settings")`, "error", err)
	}
}
