package redisstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// clusterSlots is how many hash slots a Redis Cluster has.
const clusterSlots = "16384"

// clusterServes reports whether the cluster master c serves keys: its
// CLUSTER INFO says cluster_state:ok with every one of the 16384 slots
// assigned. A master answers PING while its cluster is down, and while a
// slot is served by nobody (a dead master forgotten by the others, a
// resharding left half done), where every key of that slot fails; so
// readiness asks this of each master (docs/contract.md, "HTTP
// endpoints"). A user whose ACL denies CLUSTER INFO is asked PING
// alone, as before.
func clusterServes(ctx context.Context, c *redis.Client) error {
	info, err := c.ClusterInfo(ctx).Result()
	if err != nil {
		if strings.HasPrefix(err.Error(), "NOPERM") {
			return c.Ping(ctx).Err()
		}
		return err
	}
	state, assigned := infoValue(info, "cluster_state"), infoValue(info, "cluster_slots_assigned")
	if state != "ok" || assigned != clusterSlots {
		return fmt.Errorf("cluster node %s: cluster_state %s, %s of %s slots assigned", c.Options().Addr, state, assigned, clusterSlots)
	}
	return nil
}
