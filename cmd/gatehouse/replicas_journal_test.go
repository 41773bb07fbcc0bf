package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
	"github.com/gatehouse-auth/gatehouse/auth/redisstore"
	"github.com/gatehouse-auth/gatehouse/auth/storeusers"
	"github.com/gatehouse-auth/gatehouse/config"
	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// TestOperatorEndsHoldAgainstAGatewaysJournal: what an operator command
// ends stays ended when a running gateway's failover journal writes its
// recent writes again (docs/contract.md, "Failover durability"). The
// gateway journals a login (written again 2 s after it reaches a new
// master, unless a tombstone says the session was ended) and a ban (set
// again where absent on every catch-up, unless a lift mark says it was
// lifted). The command kept no journal, so it left neither tombstone nor
// mark: a session `gatehouse user revoke` ended came back after the next
// failover within the replay window, and a ban `gatehouse user unban`
// lifted came back on the gateway's next new connection, no failover
// needed.
func TestOperatorEndsHoldAgainstAGatewaysJournal(t *testing.T) {
	const prefix = "rep:"
	tests := []struct {
		name string
		run  func(t *testing.T, cfg *config.Config, cfgPath string, gw *journaledGateway, master, replica *testredis.Server)
	}{
		{"revoke, then a failover", func(t *testing.T, cfg *config.Config, cfgPath string, gw *journaledGateway, master, replica *testredis.Server) {
			ctx := t.Context()
			u, err := storeusers.New(gw.store, "").Lookup(ctx, "ada")
			if err != nil {
				t.Fatal(err)
			}
			sessions := auth.NewSessions(gw.store, auth.SessionConfig{IdleTimeout: time.Hour, AbsoluteTimeout: 12 * time.Hour}, nil, nil)
			s, err := sessions.New()
			if err != nil {
				t.Fatal(err)
			}
			if err := sessions.AddProof(ctx, s, u, auth.MethodPassword, auth.SignIn{}); err != nil {
				t.Fatal(err)
			}
			if code, out, errOut := runCmd(t, "", "user", "revoke", "-c", cfgPath, "ada"); code != 0 {
				t.Fatalf("user revoke: %d %s%s", code, out, errOut)
			}
			// A planned failover: the replica has everything.
			if _, err := testredis.Do(master.Addr, "WAIT", "1", "5000"); err != nil {
				t.Fatal(err)
			}
			master.Kill()
			if _, err := testredis.Do(replica.Addr, "REPLICAOF", "NO", "ONE"); err != nil {
				t.Fatal(err)
			}
			gw.reach(t, cfg, replica.Addr)
			for start := time.Now(); time.Since(start) < 4*time.Second; time.Sleep(50 * time.Millisecond) {
				if n, err := testredis.Do(replica.Addr, "EXISTS", prefix+auth.SessionHandle(s.ID)); err != nil || n != int64(0) {
					t.Fatalf("the session user revoke ended, after the failover: exists %v, %v; want it gone", n, err)
				}
			}
		}},
		{"unban", func(t *testing.T, cfg *config.Config, cfgPath string, gw *journaledGateway, master, _ *testredis.Server) {
			ctx := t.Context()
			reg := auth.NewRegulator(gw.store, gw.signer.DeriveKey("regulation"), regulationConfig(cfg))
			for range 50 {
				p, err := reg.Fail(ctx, "ada", "")
				if err != nil {
					t.Fatal(err)
				}
				if p.Banned || p.Locked {
					break
				}
			}
			if st, err := reg.Status(ctx, "ada"); err != nil || st.Reason == "" {
				t.Fatalf("ada after the failures: %+v, %v; want a ban", st, err)
			}
			if code, out, errOut := runCmd(t, "", "user", "unban", "-c", cfgPath, "ada"); code != 0 {
				t.Fatalf("user unban: %d %s%s", code, out, errOut)
			}
			gw.reach(t, cfg, master.Addr) // a new connection of the gateway: its catch-up
			if st, err := reg.Status(ctx, "ada"); err != nil || st.Reason != "" {
				t.Fatalf("ada after user unban and the gateway's next connection: %+v, %v; want no ban", st, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			master, replica := testredis.NewServer(t), testredis.NewServer(t)
			replicate(t, master, replica)
			// The command waits for the replicas the master counts as
			// online when it starts.
			for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
				info, err := testredis.Do(master.Addr, "INFO", "replication")
				if s, _ := info.(string); err == nil && strings.Contains(s, "state=online") {
					break
				}
				if time.Since(start) > 10*time.Second {
					t.Fatalf("the master never counted its replica online: %v %v", info, err)
				}
			}
			cfgPath, _ := cliWorldAt(t, master.Addr, prefix, "{ backend: redis }", "")
			if code, out, e := runCmd(t, "a long enough passphrase\n", "user", "add", "-c", cfgPath, "ada"); code != 0 {
				t.Fatalf("user add: %d\n%s%s", code, out, e)
			}
			cfg, err := config.Load(cfgPath)
			if err != nil {
				t.Fatal(err)
			}
			tt.run(t, cfg, cfgPath, newGateway(t, cfg), master, replica)
		})
	}
}

// journaledGateway is the store of a running gateway, with its failover journal.
type journaledGateway struct {
	journal *redisstore.Journal
	store   *redisstore.Store
	signer  *auth.Signer
}

// newGateway opens the store as serve does: with a journal of the
// configured replay window, replayed on every master it has not
// written to.
func newGateway(t *testing.T, cfg *config.Config) *journaledGateway {
	t.Helper()
	signer, err := loadSigner(cfg)
	if err != nil {
		t.Fatal(err)
	}
	j := redisstore.NewJournal(cfg.Store.Redis.ReplayWindow, 0, nil)
	client, err := redisstore.NewClient(cfg.Store.Redis, redisstore.WithReplay(j))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	return &journaledGateway{journal: j, store: redisstore.New(client, cfg.Store.KeyPrefix, cfg.Store.Redis.OpTimeout).WithJournal(j), signer: signer}
}

// reach makes the gateway connect to the Redis at addr (a new master, or
// a new connection to the same one) and keep watching it, as serve does.
func (g *journaledGateway) reach(t *testing.T, cfg *config.Config, addr string) {
	t.Helper()
	rc := cfg.Store.Redis
	rc.Addrs = []string{addr}
	client, err := redisstore.NewClient(rc, redisstore.WithReplay(g.journal))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	if err := client.Ping(t.Context()).Err(); err != nil && !strings.Contains(err.Error(), "LOADING") {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stop := g.journal.Watch(ctx, client)
	t.Cleanup(func() { cancel(); _ = stop() })
}
