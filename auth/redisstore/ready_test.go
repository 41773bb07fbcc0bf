package redisstore_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/gateway"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// readyz returns /readyz's status for a gateway on st.
func readyz(st auth.Store) int {
	rec := httptest.NewRecorder()
	gateway.NewAdmin(st, prometheus.NewRegistry(), nil, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	return rec.Code
}

// TestReadyzTellsOfAClusterSlotNobodyServes leaves a hash slot of a
// real cluster unserved, every master still answering PING: the keys in
// that slot fail (503 for whoever's session is there), so /readyz is
// 503 too, and 200 again once the slot is served (docs/contract.md,
// "HTTP endpoints"). Before, /readyz pinged each master and said ready
// throughout. The cases: the slot unassigned on every node (what
// forgetting a dead master leaves) with cluster-require-full-coverage
// no, where the other slots go on; and with it yes, where the cluster
// refuses every key.
func TestReadyzTellsOfAClusterSlotNobodyServes(t *testing.T) {
	t.Parallel()
	for _, fullCoverage := range []string{"no", "yes"} {
		t.Run("full-coverage-"+fullCoverage, func(t *testing.T) {
			t.Parallel()
			const opTimeout = 500 * time.Millisecond
			c := testredis.NewCluster(t, 3)
			client := topologyClient(t, config.Redis{Addrs: c.Addrs, OpTimeout: opTimeout})
			st := redisstore.New(client, "ready:", opTimeout)
			ctx := t.Context()
			if err := st.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
				t.Fatal(err)
			}
			if code := readyz(st); code != http.StatusOK {
				t.Fatalf("/readyz on a healthy cluster = %d, want 200", code)
			}
			slot, err := testredis.Do(c.Addrs[0], "CLUSTER", "KEYSLOT", "ready:k")
			if err != nil {
				t.Fatal(err)
			}
			owner := ""
			for _, addr := range c.Addrs {
				if _, err := testredis.Do(addr, "CONFIG", "SET", "cluster-require-full-coverage", fullCoverage); err != nil {
					t.Fatal(err)
				}
				n, err := testredis.Do(addr, "CLUSTER", "COUNTKEYSINSLOT", fmt.Sprint(slot))
				if err == nil && n.(int64) > 0 {
					owner = addr
				}
			}
			for _, addr := range c.Addrs {
				if _, err := testredis.Do(addr, "CLUSTER", "DELSLOTS", fmt.Sprint(slot)); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, 10*time.Second, func() error {
				if _, err := st.Get(ctx, "k"); !errors.Is(err, auth.ErrStoreUnavailable) {
					return fmt.Errorf("Get of a key in an unserved slot = %w, want ErrStoreUnavailable", err)
				}
				return nil
			})
			if code := readyz(st); code != http.StatusServiceUnavailable {
				t.Errorf("/readyz with slot %v served by nobody = %d, want 503", slot, code)
			}
			if owner == "" {
				t.Fatal("no node held the key")
			}
			if _, err := testredis.Do(owner, "CLUSTER", "ADDSLOTS", fmt.Sprint(slot)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 20*time.Second, func() error {
				if code := readyz(st); code != http.StatusOK {
					return fmt.Errorf("/readyz with every slot served again = %d, want 200", code)
				}
				return nil
			})
		})
	}
}
