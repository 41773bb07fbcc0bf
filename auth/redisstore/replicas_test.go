package redisstore_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestConfirmReplicated: writes through a client with one connection per
// master are confirmed once the replicas have them, on a cluster (each
// master asked) and a standalone server (no replica: nothing to wait
// for); a master that is not the one marked (a failover meanwhile) is
// ErrNotReplicated (docs/contract.md, "Failover durability").
func TestConfirmReplicated(t *testing.T) {
	t.Parallel()
	c := testredis.NewClusterReplicas(t, 3, 1)
	for _, tc := range []struct {
		name  string
		addrs []string
	}{
		{"cluster", c.Addrs},
		{"standalone", []string{testredis.Start(t)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, err := redisstore.NewClient(config.Redis{Addrs: tc.addrs, DialTimeout: time.Second, OpTimeout: time.Second}, redisstore.OneConnection())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = client.Close() })
			st := redisstore.New(client, "rep:", time.Second)
			ctx := t.Context()
			mark, err := st.MarkReplicas(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 20 {
				if _, err := st.Delete(ctx, fmt.Sprintf("s:%d", i)); err != nil {
					t.Fatal(err)
				}
				if err := st.Set(ctx, fmt.Sprintf("k:%d", i), []byte("v"), time.Minute); err != nil {
					t.Fatal(err)
				}
			}
			if err := st.ConfirmReplicated(ctx, mark, 3*time.Second); err != nil {
				t.Fatalf("ConfirmReplicated = %v", err)
			}
			other := redisstore.ReplicaMark{"another master": 1}
			if err := st.ConfirmReplicated(ctx, other, 3*time.Second); !errors.Is(err, redisstore.ErrNotReplicated) {
				t.Fatalf("ConfirmReplicated with another master marked = %v, want ErrNotReplicated", err)
			}
		})
	}
}
