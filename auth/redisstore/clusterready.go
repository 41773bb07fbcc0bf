package redisstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// clusterSlots is how many hash slots a Redis Cluster has.
const clusterSlots = "16384"

// ErrClusterInfoRefused is a cluster master refusing CLUSTER INFO to the
// gateway's Redis user (NOPERM): readiness then asks it PING alone and
// cannot see a slot served by nobody (docs/operations.md, "Redis
// settings": `+cluster|info`).
var ErrClusterInfoRefused = errors.New("the redis user may not run CLUSTER INFO")

// clusterInfo asks the cluster master c whether it serves keys: its
// CLUSTER INFO says cluster_state:ok with every one of the 16384 slots
// assigned. An error wrapping ErrClusterInfoRefused when its ACL denies
// the command.
func clusterInfo(ctx context.Context, c *redis.Client) error {
	info, err := c.ClusterInfo(ctx).Result()
	if err != nil {
		if redis.IsPermissionError(err) {
			return fmt.Errorf("cluster node %s: %w: %w", c.Options().Addr, ErrClusterInfoRefused, err)
		}
		return err
	}
	state, assigned := infoValue(info, "cluster_state"), infoValue(info, "cluster_slots_assigned")
	if state != "ok" || assigned != clusterSlots {
		return fmt.Errorf("cluster node %s: cluster_state %s, %s of %s slots assigned", c.Options().Addr, state, assigned, clusterSlots)
	}
	return nil
}

// clusterServes reports whether the cluster master c serves keys
// (clusterInfo). A master answers PING while its cluster is down, and
// while a slot is served by nobody (a dead master forgotten by the
// others, a resharding left half done), where every key of that slot
// fails; so readiness asks this of each master (docs/contract.md, "HTTP
// endpoints"). A user whose ACL denies CLUSTER INFO is asked PING
// alone, as before (serve warns of it at start: ClusterInfoRefused).
func clusterServes(ctx context.Context, c *redis.Client) error {
	if err := clusterInfo(ctx, c); !errors.Is(err, ErrClusterInfoRefused) {
		return err
	}
	return c.Ping(ctx).Err()
}

// ClusterInfoRefused returns an error wrapping ErrClusterInfoRefused
// when a master of client, a cluster, refuses CLUSTER INFO to its user,
// so that readiness cannot tell a slot served by nobody; nil for a
// standalone server or Sentinel, and when every master allows it.
// Other errors (a master down) are not its to report: nil too.
func ClusterInfoRefused(ctx context.Context, client redis.UniversalClient) error {
	cc, ok := client.(*redis.ClusterClient)
	if !ok {
		return nil
	}
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		if err := clusterInfo(ctx, c); errors.Is(err, ErrClusterInfoRefused) {
			return err
		}
		return nil
	})
	if errors.Is(err, ErrClusterInfoRefused) {
		return err
	}
	return nil
}
