package testredis

import (
	"fmt"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// clusterTimeout bounds how long a new cluster may take to agree that it
// is up (every slot covered, every node reporting cluster_state:ok).
const clusterTimeout = 20 * time.Second

// Cluster is a running Redis Cluster of masters without replicas, owned by
// one test.
type Cluster struct {
	// Addrs are the nodes' host:port addresses, what a cluster client is
	// given as seeds.
	Addrs []string
	// Nodes are the node servers, in the order of Addrs; Stop, Kill and
	// Restart them to simulate node failures. A restarted node keeps its
	// identity and slots (its nodes.conf) but not its data.
	Nodes []*Server
}

// NewCluster starts a cluster of masters nodes (at least 3, as Redis
// requires) on loopback ports, assigns the slots with `redis-cli --cluster
// create` and waits until every node reports the cluster up. Everything
// stops when tb ends. It skips tb (fails it in CI) if redis-server or
// redis-cli is missing.
func NewCluster(tb testing.TB, masters int) *Cluster {
	tb.Helper()
	return NewClusterReplicas(tb, masters, 0)
}

// NewClusterReplicas is NewCluster with replicas replicas per master
// (Nodes holds masters*(1+replicas) servers; which are replicas, Redis
// decides: Replicas tells).
func NewClusterReplicas(tb testing.TB, masters, replicas int) *Cluster {
	tb.Helper()
	if masters < 3 {
		tb.Fatalf("testredis: a cluster needs at least 3 masters, not %d", masters)
	}
	cli := lookPath(tb, "redis-cli")
	c := &Cluster{}
	for range masters * (1 + replicas) {
		bus := 0 // picked at the first start, then kept across restarts
		n := newServer(tb, func(s *Server, port int) ([]string, error) {
			if bus == 0 {
				p, err := freePort()
				if err != nil {
					return nil, err
				}
				bus = p
			}
			return append(s.standaloneArgs(),
				"--cluster-enabled", "yes",
				"--cluster-config-file", "nodes.conf",
				"--cluster-node-timeout", "2000",
				"--cluster-port", strconv.Itoa(bus),
				// Tests stop nodes on purpose: the slots of the others
				// keep answering.
				"--cluster-require-full-coverage", "no",
			), nil
		})
		c.Nodes = append(c.Nodes, n)
		c.Addrs = append(c.Addrs, n.Addr)
	}

	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("testredis: redis-cli --cluster create: %v\n%s", err, out)
	}
	if err := c.WaitOK(clusterTimeout); err != nil {
		tb.Fatalf("testredis: %v", err)
	}
	return c
}

// Replicas returns the nodes that are replicas now.
func (c *Cluster) Replicas(tb testing.TB) []*Server {
	tb.Helper()
	var out []*Server
	for _, n := range c.Nodes {
		if n.proc == nil {
			continue
		}
		info, err := doString(n.Addr, "INFO", "replication")
		if err != nil {
			tb.Fatalf("testredis: %v", err)
		}
		if infoField(info, "role") == "slave" {
			out = append(out, n)
		}
	}
	return out
}

// WaitOK waits until every running node reports cluster_state:ok with all
// 16384 slots assigned and the same number of known nodes.
func (c *Cluster) WaitOK(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last string
	for {
		ok := true
		for _, n := range c.Nodes {
			if n.proc == nil {
				continue
			}
			info, err := doString(n.Addr, "CLUSTER", "INFO")
			if err != nil {
				ok, last = false, fmt.Sprintf("%s: %v", n.Addr, err)
				break
			}
			state, slots, known := infoField(info, "cluster_state"), infoField(info, "cluster_slots_assigned"), infoField(info, "cluster_known_nodes")
			if state != "ok" || slots != "16384" || known != strconv.Itoa(len(c.Nodes)) {
				ok, last = false, fmt.Sprintf("%s: state %s, %s slots assigned, %s nodes known", n.Addr, state, slots, known)
				break
			}
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster not up within %s: %s", timeout, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// KeysPerNode returns how many keys each node holds, in the order of
// Addrs, to check that data is spread over the cluster.
func (c *Cluster) KeysPerNode(tb testing.TB) []int64 {
	tb.Helper()
	out := make([]int64, len(c.Nodes))
	for i, n := range c.Nodes {
		v, err := Do(n.Addr, "DBSIZE")
		if err != nil {
			tb.Fatalf("testredis: DBSIZE on %s: %v", n.Addr, err)
		}
		out[i], _ = v.(int64)
	}
	return out
}
