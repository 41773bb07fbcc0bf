package redisstore

// Confirming writes on the replicas, for a process that keeps no journal
// (an operator command, which ends right after its writes): it waits
// until the replicas its masters had when it began have every write it
// made (docs/contract.md, "Failover durability").

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotReplicated is a change made on a master that its replicas did
// not confirm in time, or that a failover may have undone (the master
// changed while it was made).
var ErrNotReplicated = errors.New("not confirmed by the replicas: a failover now could undo it")

// OneConnection makes the client keep one connection per master, so that
// every write goes over the connection ConfirmReplicated asks on (Redis's
// WAIT counts the writes of the connection that asks).
func OneConnection() ClientOption {
	return func(o *redis.UniversalOptions) { o.PoolSize = 1 }
}

// ReplicaMark is what the masters were when a change began: each
// master's run id and how many replicas it had online then (a replica
// still loading its first copy acknowledges nothing, and is not one a
// failover promotes).
type ReplicaMark map[string]int

// MarkReplicas records the masters the store reaches and their
// replicas, before a change.
func (s *Store) MarkReplicas(ctx context.Context) (ReplicaMark, error) {
	var mu sync.Mutex
	m := ReplicaMark{}
	err := s.eachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
		defer cancel()
		info, err := c.Info(ctx, "server", "replication").Result()
		if err != nil {
			return err
		}
		mu.Lock()
		m[infoValue(info, "run_id")] = onlineReplicas(info)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, fail("replicas", err)
	}
	return m, nil
}

// ConfirmReplicated waits, up to timeout, until every replica each master
// had at m has acknowledged the writes made on it through this store
// (whose client must keep one connection per master: OneConnection, so
// that the WAIT asked counts them all). A master that is not one of m's
// (a failover happened meanwhile), or replicas that do not all answer in
// time, is ErrNotReplicated; a store that cannot be asked,
// ErrStoreUnavailable.
func (s *Store) ConfirmReplicated(ctx context.Context, m ReplicaMark, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	return s.eachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		want := -1
		for {
			acked, id, err := s.waitOnce(ctx, c, want)
			if err != nil {
				return fail("replicas", err)
			}
			n, ok := m[id]
			switch {
			case !ok:
				return fmt.Errorf("redisstore: the master changed while the change was made: %w", ErrNotReplicated)
			case want < 0:
				want = n // now known: ask again, waiting for them
				if want == 0 {
					return nil
				}
				continue
			case acked >= int64(want):
				return nil
			case !time.Now().Before(deadline):
				return fmt.Errorf("redisstore: %d of %d replicas confirmed in %s: %w", acked, want, timeout, ErrNotReplicated)
			}
		}
	})
}

// waitOnce asks c's master who it is and, when want is not negative,
// waits for want of its replicas (WAIT, for at most half the op
// timeout: the op timeout bounds every answer's read), in one pipeline
// on one connection. It returns how many replicas acknowledged and the
// master's run id.
func (s *Store) waitOnce(ctx context.Context, c *redis.Client, want int) (int64, string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	var info *redis.StringCmd
	var wait *redis.Cmd
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		info = p.Info(ctx, "server")
		if want >= 0 {
			wait = p.Do(ctx, "wait", want, max(s.opTimeout/2, time.Millisecond).Milliseconds())
		}
		return nil
	})
	if err != nil {
		return 0, "", err
	}
	id := infoValue(info.Val(), "run_id")
	if wait == nil {
		return 0, id, nil
	}
	n, err := wait.Int64()
	return n, id, err
}

// onlineReplicas counts the replicas an INFO replication reply lists as
// online ("slave0:ip=…,port=…,state=online,offset=…").
func onlineReplicas(info string) int {
	n := 0
	for _, line := range strings.Split(info, "\n") {
		if strings.HasPrefix(line, "slave") && strings.Contains(line, ":") && strings.Contains(line, ",state=online,") {
			n++
		}
	}
	return n
}

// eachMaster runs fn on every master: a cluster's each, else the one.
func (s *Store) eachMaster(ctx context.Context, fn func(ctx context.Context, c *redis.Client) error) error {
	switch c := s.client.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, fn)
	case *redis.Client:
		return fn(ctx, c)
	}
	return fmt.Errorf("redisstore: a client of type %T has no masters to ask", s.client)
}
