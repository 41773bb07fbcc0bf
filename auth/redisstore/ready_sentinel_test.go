package redisstore_test

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestReadyzTellsOfASentinelWithoutAMaster takes the master away from a
// real Sentinel setup in each way it can go while the sentinels cannot
// name another: every data server down; the master down and too few
// sentinels left to agree on a failover; and the master the sentinels
// name turned replica of another server; and a master refusing writes
// for want of the replicas its min-replicas-to-write asks for.
// Each time a write fails closed (auth.ErrStoreUnavailable: 503) and
// /readyz is 503; once a master is back, /readyz is 200 and writes go
// through again, without a restart (docs/contract.md, "HTTP endpoints").
func TestReadyzTellsOfASentinelWithoutAMaster(t *testing.T) {
	tests := []struct {
		name string
		// lose takes the master away; it returns what brings one back.
		lose func(t *testing.T, s *testredis.Sentinel) (back func())
	}{
		{"every data server down", func(_ *testing.T, s *testredis.Sentinel) func() {
			s.Data[1].Kill() // the replica first: no failover to it
			s.Data[0].Kill()
			return s.Data[0].Restart
		}},
		{"master down, sentinels short of a quorum", func(_ *testing.T, s *testredis.Sentinel) func() {
			s.Sentinels[1].Stop()
			s.Sentinels[2].Stop()
			s.Data[0].Kill()
			return s.Data[0].Restart
		}},
		{"the named master turned replica", func(t *testing.T, s *testredis.Sentinel) func() {
			s.Sentinels[1].Stop()
			s.Sentinels[2].Stop()
			other := testredis.NewServer(t)
			host, port, _ := net.SplitHostPort(other.Addr)
			if _, err := testredis.Do(s.Data[0].Addr, "REPLICAOF", host, port); err != nil {
				t.Fatal(err)
			}
			return func() {
				if _, err := testredis.Do(s.Data[0].Addr, "REPLICAOF", "NO", "ONE"); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"master short of min-replicas-to-write", func(t *testing.T, s *testredis.Sentinel) func() {
			for _, kv := range [][2]string{{"min-replicas-max-lag", "1"}, {"min-replicas-to-write", "1"}} {
				if _, err := testredis.Do(s.Data[0].Addr, "CONFIG", "SET", kv[0], kv[1]); err != nil {
					t.Fatal(err)
				}
			}
			s.Data[1].Kill()
			return func() {
				if _, err := testredis.Do(s.Data[0].Addr, "CONFIG", "SET", "min-replicas-to-write", "0"); err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const opTimeout = 500 * time.Millisecond
			s := testredis.NewSentinel(t)
			client := topologyClient(t, config.Redis{Addrs: s.Addrs, MasterName: s.MasterName, OpTimeout: opTimeout})
			st := redisstore.New(client, "ready:", opTimeout)
			ctx := t.Context()
			if err := st.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
				t.Fatal(err)
			}
			if code := readyz(st); code != http.StatusOK {
				t.Fatalf("/readyz with a master = %d, want 200", code)
			}
			back := tt.lose(t, s)
			waitFor(t, 10*time.Second, func() error {
				if err := st.Set(ctx, "k", []byte("v"), time.Minute); !errors.Is(err, auth.ErrStoreUnavailable) {
					return fmt.Errorf("a write without a master = %w, want ErrStoreUnavailable", err)
				}
				return nil
			})
			if code := readyz(st); code != http.StatusServiceUnavailable {
				t.Errorf("/readyz without a master = %d, want 503", code)
			}
			back()
			waitFor(t, 20*time.Second, func() error {
				if code := readyz(st); code != http.StatusOK {
					return fmt.Errorf("/readyz with the master back = %d, want 200", code)
				}
				return st.Set(ctx, "k", []byte("v"), time.Minute)
			})
		})
	}
}
