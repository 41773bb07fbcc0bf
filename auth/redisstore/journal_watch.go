package redisstore

// Watching for failovers: a gateway replays its journal soon after a new
// master appears, even with no new connection (docs/contract.md, "Failover
// durability").

import (
	"context"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster watch timing (Watch): how often masters are asked who they
// are, and how long a new one keeps being caught up.
const (
	clusterWatchEvery = 200 * time.Millisecond
	clusterWatchGrace = 5 * time.Second
)

// Watch makes sure this gateway replays soon after a failover even when
// it serves no request (its journal may hold the only copy of a logout
// another gateway would otherwise accept), and over the connections it
// already has: a cluster client runs WatchCluster; any other asks its
// master who it is every clusterWatchEvery over a pooled connection (a
// new one, and so a replay, once the old ones are gone) and catches it up
// for clusterWatchGrace after it first sees it. The pool may have dialed
// the promoted replica, and caught it up, while pooled connections still
// wrote to the old master; once told, the client drops only those, and
// the writes they took after that dial would otherwise never reach the
// new master (docs/contract.md, "Failover durability"). It returns the
// function that stops it.
func (j *Journal) Watch(ctx context.Context, client redis.UniversalClient) func() error {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if cc, ok := client.(*redis.ClusterClient); ok {
			go j.loginReplayer(ctx, client)
			j.WatchCluster(ctx, cc, clusterWatchEvery, clusterWatchGrace)
			return
		}
		t := time.NewTicker(clusterWatchEvery)
		defer t.Stop()
		seen := map[string]time.Time{}
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if c, ok := client.(*redis.Client); ok {
				_ = j.watchMaster(ctx, c, seen, clusterWatchGrace) // a failure is the store's health, reported elsewhere
			} else {
				_ = client.Ping(ctx).Err() // opens a connection, and so a replay, once the old one is gone
			}
			j.replayLogins(ctx, client)
		}
	}()
	return func() error {
		cancel()
		<-done
		return nil
	}
}

// loginReplayer runs replayLogins every clusterWatchEvery until ctx ends.
func (j *Journal) loginReplayer(ctx context.Context, client redis.UniversalClient) {
	t := time.NewTicker(clusterWatchEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			j.replayLogins(ctx, client)
		}
	}
}

// WatchCluster replays on cluster masters that existing connections
// reach without a new connection (a replica promoted by a failover: the
// client may have connected to it as a replica, to read the slot map).
// Every interval it asks each master who it is and catches up the ones
// not seen before, then keeps catching them up for grace, as writes to
// the old master can still arrive until every client has the new slot
// map. It returns when ctx ends.
func (j *Journal) WatchCluster(ctx context.Context, cc *redis.ClusterClient, interval, grace time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	seen := map[string]time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_ = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			return j.watchMaster(ctx, c, seen, grace)
		})
	}
}

// watchMaster asks the master c reaches who it is and catches it up
// while within grace of when seen (run_id → first seen) first had it, or
// when the journal has not replayed there yet. One connection for the
// question and the replay: a new connection made while catchUp holds the
// replay lock would wait for it in OnConnect.
func (j *Journal) watchMaster(ctx context.Context, c *redis.Client, seen map[string]time.Time, grace time.Duration) error {
	conn := c.Conn()
	defer func() { _ = conn.Close() }() // back to the pool; nothing to report
	info, err := conn.Info(ctx, "server", "replication").Result()
	if err != nil || infoValue(info, "role") != "master" {
		return err
	}
	id := infoValue(info, "run_id")
	j.mu.Lock()
	_, known := j.masters[id]
	j.mu.Unlock()
	first, ok := seen[id]
	if !ok {
		first = time.Now()
		seen[id] = first
	}
	if known && time.Since(first) > grace {
		return nil
	}
	return j.catchUp(ctx, conn, id)
}

// infoValue returns field's value in an INFO reply ("" when absent).
func infoValue(info, field string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
