package main

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
)

// evictionCheckEvery is how often serve reads each Redis master's
// maxmemory-policy again after start (docs/operations.md, "Redis
// settings"): one INFO per master, off the request path. A variable for
// the tests.
var evictionCheckEvery = time.Minute

// evictionWatch warns of each Redis master whose maxmemory-policy may
// evict Gatehouse's keys when it is full (docs/operations.md, "Redis
// settings"): a session, a ban or an account would then vanish
// silently. It reads the policies at start and every evictionCheckEvery
// after, so a master that begins to evict later (a `CONFIG SET`, a
// failover to a replica set otherwise, a restart without the setting) is
// warned of too, once per master and policy, and one that stops is said
// to; gatehouse_store_redis_evicting counts them. It never refuses to
// serve: a Redis with room to spare evicts nothing, and managed ones
// often default to volatile-lru.
type evictionWatch struct {
	client  redis.UniversalClient
	log     *slog.Logger
	timeout time.Duration // of one check
	// evicting is how many masters may evict, as of the last check that
	// answered: the gauge.
	evicting atomic.Int64
	// warned are the masters warned of, by evictionKey; touched by one
	// check at a time (start, then the watch's goroutine).
	warned map[string]redisstore.EvictionRisk
}

// newEvictionWatch returns a watch of client's masters, its gauge
// registered in reg; timeout bounds each check.
func newEvictionWatch(client redis.UniversalClient, log *slog.Logger, reg prometheus.Registerer, timeout time.Duration) (*evictionWatch, error) {
	w := &evictionWatch{client: client, log: log, timeout: timeout, warned: map[string]redisstore.EvictionRisk{}}
	g := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "gatehouse_store_redis_evicting",
		Help: "Redis masters whose maxmemory-policy may evict Gatehouse's keys (not noeviction), as of the last check.",
	}, func() float64 { return float64(w.evicting.Load()) })
	if err := reg.Register(g); err != nil {
		return nil, err
	}
	return w, nil
}

// evictionKey names a master: its address and run_id, so that one
// promoted in a failover, or restarted, is a new one.
func evictionKey(r redisstore.EvictionRisk) string { return r.Addr + " " + r.RunID }

// check reads the policies and logs what changed since the last check:
// a warning per master that may evict and was not warned of with that
// policy, a line per master warned of that no longer may. A check that
// fails changes nothing (the store's health is reported elsewhere); the
// first says so, as an operator must then check the policy by hand.
func (w *evictionWatch) check(ctx context.Context, first bool) {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	risks, err := redisstore.EvictionRisks(ctx, w.client)
	if err != nil {
		if first {
			w.log.WarnContext(ctx, "could not read redis's maxmemory-policy (INFO memory); make sure it is noeviction", "error", err)
		}
		return
	}
	now := make(map[string]redisstore.EvictionRisk, len(risks))
	for _, r := range risks {
		k := evictionKey(r)
		now[k] = r
		if old, ok := w.warned[k]; ok && old.Policy == r.Policy {
			continue
		}
		w.log.WarnContext(ctx, "redis may evict Gatehouse's keys when full; set maxmemory-policy noeviction", evictionArgs(r, "maxmemory_policy")...)
	}
	for k, r := range w.warned {
		if _, ok := now[k]; !ok {
			w.log.InfoContext(ctx, "redis no longer evicts Gatehouse's keys", evictionArgs(r, "was_policy")...)
		}
	}
	w.warned = now
	w.evicting.Store(int64(len(risks)))
}

// evictionArgs are the log fields of r, its policy under policyField.
func evictionArgs(r redisstore.EvictionRisk, policyField string) []any {
	args := []any{policyField, r.Policy, "maxmemory", r.MaxMemory}
	if r.Addr != "" {
		args = append(args, "node", r.Addr)
	}
	return args
}

// run checks every evictionCheckEvery until ctx ends or the returned
// function is called, which waits for it.
func (w *evictionWatch) run(ctx context.Context) func() error {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(evictionCheckEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				w.check(ctx, false)
			}
		}
	}()
	return func() error {
		cancel()
		<-done
		return nil
	}
}
