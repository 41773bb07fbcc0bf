package redisstore

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/redis/go-redis/v9"
)

// EvictionRisk is a Redis master that may evict Gatehouse's keys when it
// is full: its maxmemory-policy is not noeviction (docs/operations.md,
// "Redis settings"). Every key Gatehouse writes has a TTL, accounts
// included, so a volatile-* policy can evict any of them, as an allkeys-*
// one can: a session (a sign-out), a ban, a lock or a counter (a limit
// lifted), an account record, an authenticator app or passkeys. With
// noeviction a full Redis refuses writes instead, which Gatehouse
// answers with 503 (fail closed).
type EvictionRisk struct {
	Addr      string // the master's address; "" for the one master of a standalone or Sentinel client
	RunID     string // its run_id: another after a failover or a restart, under the same Addr
	Policy    string // its maxmemory-policy
	MaxMemory int64  // its maxmemory in bytes; 0: no limit yet, the policy applies once one is set
}

// EvictionRisks asks each master client writes to (INFO server, memory) for its
// maxmemory-policy and returns those that may evict keys. An error means
// a master did not answer, or its answer did not say.
func EvictionRisks(ctx context.Context, client redis.UniversalClient) ([]EvictionRisk, error) {
	cc, ok := client.(*redis.ClusterClient)
	if !ok {
		r, err := evictionRisk(ctx, client)
		if err != nil || r == nil {
			return nil, err
		}
		return []EvictionRisk{*r}, nil
	}
	var (
		mu  sync.Mutex
		out []EvictionRisk
	)
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		r, err := evictionRisk(ctx, c)
		if err != nil || r == nil {
			return err
		}
		r.Addr = c.Options().Addr
		mu.Lock()
		out = append(out, *r)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// errNoPolicy is an INFO memory answer without a maxmemory_policy.
var errNoPolicy = errors.New("INFO memory has no maxmemory_policy")

// evictionRisk reads one server's policy: nil when it is noeviction.
func evictionRisk(ctx context.Context, c redis.Cmdable) (*EvictionRisk, error) {
	info, err := c.Info(ctx, "server", "memory").Result()
	if err != nil {
		return nil, fail("info", err)
	}
	policy := infoValue(info, "maxmemory_policy")
	if policy == "" {
		return nil, fail("info", errNoPolicy)
	}
	if policy == "noeviction" {
		return nil, nil
	}
	limit, _ := strconv.ParseInt(infoValue(info, "maxmemory"), 10, 64) // absent or odd: reported as no limit
	return &EvictionRisk{RunID: infoValue(info, "run_id"), Policy: policy, MaxMemory: limit}, nil
}
