package redisstore_test

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storetest"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// topologyClient builds the client the gateway would build for cfg.
func topologyClient(t *testing.T, cfg config.Redis) redis.UniversalClient {
	t.Helper()
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = time.Second
	}
	client, err := redisstore.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return client
}

// conformance runs the store suite on client, a fresh prefix per subtest.
func conformance(t *testing.T, client redis.UniversalClient) {
	var n atomic.Int64
	storetest.Run(t,
		func(*testing.T) auth.Store {
			return redisstore.New(client, fmt.Sprintf("storetest:%d:", n.Add(1)), time.Second)
		},
		func(_ *testing.T, d time.Duration) { time.Sleep(d) })
}

// TestCluster runs the conformance suite on a real three-master cluster,
// then checks that the keys it wrote are spread over every master: no
// operation relies on keys sharing a slot, and nothing pins them to one.
func TestCluster(t *testing.T) {
	t.Parallel()
	c := testredis.NewCluster(t, 3)
	client := topologyClient(t, config.Redis{Addrs: c.Addrs, OpTimeout: time.Second})
	if _, ok := client.(*redis.ClusterClient); !ok {
		t.Fatalf("client for %d addresses is %T, want a cluster client", len(c.Addrs), client)
	}
	conformance(t, client)
	// The audit trail's two streams live in two slots: a page reads both.
	var n atomic.Int64
	storetest.RunAudit(t, func(_ *testing.T, retain auth.AuditRetain) auth.AuditLog {
		return redisstore.NewAuditLog(client, fmt.Sprintf("audit%d:", n.Add(1)), retain, time.Second)
	})
	for i, n := range c.KeysPerNode(t) {
		if n == 0 {
			t.Errorf("master %s holds none of the suite's keys", c.Addrs[i])
		}
	}
	// Every master is asked for its eviction policy, and the one that
	// would evict is named.
	if err := newClient(t, c.Addrs[1], time.Second).ConfigSet(t.Context(), "maxmemory-policy", "volatile-lru").Err(); err != nil {
		t.Fatal(err)
	}
	risks, err := redisstore.EvictionRisks(t.Context(), client)
	if err != nil || len(risks) != 1 || risks[0].Addr != c.Addrs[1] || risks[0].Policy != "volatile-lru" {
		t.Errorf("EvictionRisks = %+v, %v; want %s's volatile-lru alone", risks, err, c.Addrs[1])
	}
}

// TestClusterNodeDown stops one master: the keys in its slots fail with
// ErrStoreUnavailable within the op timeout, Ping reports the cluster
// unavailable, and both recover when the node is back, on the same client.
func TestClusterNodeDown(t *testing.T) {
	t.Parallel()
	const opTimeout = 300 * time.Millisecond
	c := testredis.NewCluster(t, 3)
	client := topologyClient(t, config.Redis{Addrs: c.Addrs, OpTimeout: opTimeout})
	st := redisstore.New(client, "down:", opTimeout)
	ctx := t.Context()
	keys := make([]string, 30)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
		if err := st.Set(ctx, keys[i], []byte("v"), time.Minute); err != nil {
			t.Fatalf("Set %s: %v", keys[i], err)
		}
	}

	c.Nodes[1].Kill()
	failed, served := 0, 0
	for _, k := range keys {
		begin := time.Now()
		_, err := st.Get(ctx, k)
		took := time.Since(begin)
		switch {
		case err == nil:
			served++
		case errors.Is(err, auth.ErrStoreUnavailable):
			failed++
		default:
			t.Errorf("Get %s with a master down: %v, want nil or ErrStoreUnavailable", k, err)
		}
		if took > opTimeout+200*time.Millisecond {
			t.Errorf("Get %s took %v with a master down, want about %v at most", k, took, opTimeout)
		}
	}
	if failed == 0 || served == 0 {
		t.Errorf("with one of three masters down, %d gets failed and %d were served; want some of each", failed, served)
	}
	if err := st.Ping(ctx); !errors.Is(err, auth.ErrStoreUnavailable) {
		t.Errorf("Ping with a master down = %v, want ErrStoreUnavailable", err)
	}

	c.Nodes[1].Restart()
	if err := c.WaitOK(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() error {
		if err := st.Ping(ctx); err != nil {
			return err
		}
		for _, k := range keys {
			if err := st.Set(ctx, k, []byte("again"), time.Minute); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestSentinel runs the conformance suite through the sentinels.
func TestSentinel(t *testing.T) {
	t.Parallel()
	s := testredis.NewSentinel(t)
	client := topologyClient(t, config.Redis{Addrs: s.Addrs, MasterName: s.MasterName, OpTimeout: time.Second})
	conformance(t, client)
}

// TestSentinelFailoverDuringTraffic keeps writers busy while the sentinels
// fail over. Calls may fail meanwhile, always as ErrStoreUnavailable and
// within the op timeout; writes resume on their own, on the same client,
// and what was written before the failover is still there.
func TestSentinelFailoverDuringTraffic(t *testing.T) {
	t.Parallel()
	const opTimeout = 300 * time.Millisecond
	s := testredis.NewSentinel(t)
	client := topologyClient(t, config.Redis{Addrs: s.Addrs, MasterName: s.MasterName, OpTimeout: opTimeout})
	st := redisstore.New(client, "failover:", opTimeout)
	ctx := t.Context()
	if err := st.Set(ctx, "before", []byte("kept"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitSynced(10 * time.Second); err != nil {
		t.Fatal(err)
	}

	var (
		wg       sync.WaitGroup
		stop     atomic.Bool
		ok, bad  atomic.Int64
		mu       sync.Mutex
		problems []string
	)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				key := fmt.Sprintf("w%d:%d", w, i)
				begin := time.Now()
				_, err := st.Incr(ctx, key, time.Minute)
				took := time.Since(begin)
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, auth.ErrStoreUnavailable):
					bad.Add(1)
				default:
					mu.Lock()
					problems = append(problems, fmt.Sprintf("Incr: unexpected error %v", err))
					mu.Unlock()
				}
				if took > opTimeout+300*time.Millisecond {
					mu.Lock()
					problems = append(problems, fmt.Sprintf("Incr took %v", took))
					mu.Unlock()
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	okBefore := ok.Load()
	s.Failover(t)
	// Service resumes by itself: new writes succeed within a few seconds.
	waitFor(t, 10*time.Second, func() error {
		return st.Set(ctx, "after", []byte("v"), time.Minute)
	})
	okAfterSwitch := ok.Load()
	time.Sleep(300 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	for _, p := range problems {
		t.Error(p)
	}
	if okBefore == 0 || ok.Load() <= okAfterSwitch {
		t.Errorf("writes: %d before the failover, %d after the switch, %d in all; want writes on both sides", okBefore, ok.Load()-okAfterSwitch, ok.Load())
	}
	if got, err := st.Get(ctx, "before"); err != nil || string(got) != "kept" {
		t.Errorf("Get(before) after the failover = %q, %v; want the replicated value", got, err)
	}
	t.Logf("failover: %d writes succeeded, %d failed with ErrStoreUnavailable", ok.Load(), bad.Load())
}

// waitFor retries fn until it succeeds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still failing after %v: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
