package testredis

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// MasterName is the name the sentinels of NewSentinel monitor.
const MasterName = "gatehouse-test"

const (
	// sentinels is how many sentinels NewSentinel starts; a quorum of 2
	// lets a failover happen with one sentinel down.
	sentinels = 3
	// downAfter is how long the master must be unreachable before the
	// sentinels consider it down.
	downAfter = 1000 * time.Millisecond
	// sentinelTimeout bounds the waits for the sentinels to settle and for
	// a failover to complete.
	sentinelTimeout = 30 * time.Second
)

// Sentinel is a Sentinel-managed Redis owned by one test: a master, one
// replica, and three sentinels monitoring them as MasterName.
type Sentinel struct {
	// MasterName is the name to give clients (store.redis.master_name).
	MasterName string
	// Addrs are the sentinels' addresses, what a failover client is given.
	Addrs []string
	// Data are the data servers: Data[0] starts as the master, Data[1] as
	// its replica. Which is master changes with each failover; Master
	// tells.
	Data []*Server
	// Sentinels are the sentinel servers.
	Sentinels []*Server
}

// NewSentinel starts a master, its replica and three sentinels on loopback
// ports and waits until the replica is in sync and every sentinel knows
// the replica and the other sentinels, so that a failover can happen at
// once. Everything stops when tb ends. It skips tb (fails it in CI) if
// redis-server is missing.
func NewSentinel(tb testing.TB) *Sentinel {
	tb.Helper()
	return NewSentinelReplicas(tb, 1)
}

// NewSentinelReplicas is NewSentinel with n replicas of the master.
func NewSentinelReplicas(tb testing.TB, n int) *Sentinel {
	tb.Helper()
	master := NewServer(tb)
	_, masterPort, _ := net.SplitHostPort(master.Addr)
	st := &Sentinel{MasterName: MasterName, Data: []*Server{master}}
	for range n {
		st.Data = append(st.Data, newServer(tb, func(s *Server, _ int) ([]string, error) {
			return append(s.standaloneArgs(), "--replicaof", "127.0.0.1", masterPort), nil
		}))
	}
	if err := st.WaitSynced(sentinelTimeout); err != nil {
		tb.Fatalf("testredis: %v", err)
	}

	for range sentinels {
		s := newServer(tb, func(s *Server, port int) ([]string, error) {
			conf := filepath.Join(s.dir, "sentinel.conf")
			if _, err := os.Stat(conf); errors.Is(err, os.ErrNotExist) {
				// Written once: the sentinel rewrites it with what it
				// learns, and a restarted sentinel starts from that.
				text := fmt.Sprintf("bind 127.0.0.1\ndir %s\n"+
					"sentinel monitor %s 127.0.0.1 %s 2\n"+
					"sentinel down-after-milliseconds %s %d\n"+
					"sentinel failover-timeout %s 10000\n"+
					"sentinel parallel-syncs %s 1\n",
					s.dir, MasterName, masterPort, MasterName, downAfter.Milliseconds(), MasterName, MasterName)
				if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
					return nil, err
				}
			}
			return []string{conf, "--sentinel", "--port", strconv.Itoa(port), "--loglevel", "warning"}, nil
		})
		st.Sentinels = append(st.Sentinels, s)
		st.Addrs = append(st.Addrs, s.Addr)
	}
	if err := st.waitSentinels(sentinelTimeout); err != nil {
		tb.Fatalf("testredis: %v", err)
	}
	return st
}

// Master returns the master's address as the first answering sentinel
// reports it.
func (st *Sentinel) Master() (string, error) {
	var lastErr error
	for _, s := range st.Sentinels {
		if s.proc == nil {
			continue
		}
		v, err := Do(s.Addr, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", st.MasterName)
		if err != nil {
			lastErr = err
			continue
		}
		if a, ok := v.([]any); ok && len(a) == 2 {
			return net.JoinHostPort(fmt.Sprint(a[0]), fmt.Sprint(a[1])), nil
		}
		lastErr = fmt.Errorf("unexpected reply %v", v)
	}
	if lastErr == nil {
		lastErr = errors.New("no sentinel running")
	}
	return "", fmt.Errorf("sentinel get-master-addr-by-name: %w", lastErr)
}

// MasterServer returns the data server that is currently the master.
func (st *Sentinel) MasterServer(tb testing.TB) *Server {
	tb.Helper()
	addr, err := st.Master()
	if err != nil {
		tb.Fatalf("testredis: %v", err)
	}
	for _, d := range st.Data {
		if d.Addr == addr {
			return d
		}
	}
	tb.Fatalf("testredis: master %s is none of the data servers", addr)
	return nil
}

// Failover asks a sentinel for a failover (SENTINEL FAILOVER) and waits
// until the sentinels report the other data server as master and it
// accepts writes. It returns the new master's address.
func (st *Sentinel) Failover(tb testing.TB) string {
	tb.Helper()
	old, err := st.Master()
	if err != nil {
		tb.Fatalf("testredis: %v", err)
	}
	if _, err := Do(st.Sentinels[0].Addr, "SENTINEL", "FAILOVER", st.MasterName); err != nil {
		tb.Fatalf("testredis: sentinel failover: %v", err)
	}
	addr, err := st.WaitNewMaster(old, sentinelTimeout)
	if err != nil {
		tb.Fatalf("testredis: %v", err)
	}
	return addr
}

// WaitNewMaster waits until every running sentinel reports a master other
// than old and that server says it is a master. It returns its address.
func (st *Sentinel) WaitNewMaster(old string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	last := "no answer"
	for time.Now().Before(deadline) {
		addr, ok := st.agreedMaster()
		if ok && addr != old {
			info, err := doString(addr, "INFO", "replication")
			if err == nil && infoField(info, "role") == "master" {
				return addr, nil
			}
			last = fmt.Sprintf("sentinels name %s, which is not a master yet", addr)
		} else if ok {
			last = "sentinels still name " + old
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "", fmt.Errorf("no failover away from %s within %s: %s", old, timeout, last)
}

// agreedMaster returns the master every running sentinel names, if they
// agree.
func (st *Sentinel) agreedMaster() (string, bool) {
	agreed := ""
	for _, s := range st.Sentinels {
		if s.proc == nil {
			continue
		}
		v, err := Do(s.Addr, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", st.MasterName)
		a, ok := v.([]any)
		if err != nil || !ok || len(a) != 2 {
			return "", false
		}
		addr := net.JoinHostPort(fmt.Sprint(a[0]), fmt.Sprint(a[1]))
		if agreed != "" && addr != agreed {
			return "", false
		}
		agreed = addr
	}
	return agreed, agreed != ""
}

// WaitSynced waits until a running replica of the current master has
// caught up with it (same replication offset), so a failover loses no
// acknowledged write.
func (st *Sentinel) WaitSynced(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := "no replica"
	for time.Now().Before(deadline) {
		for _, m := range st.Data {
			if m.proc == nil || m.paused {
				continue
			}
			mi, err := doString(m.Addr, "INFO", "replication")
			if err != nil || infoField(mi, "role") != "master" {
				continue
			}
			moff := infoField(mi, "master_repl_offset")
			for _, r := range st.Data {
				if r == m || r.proc == nil || r.paused {
					continue
				}
				ri, err := doString(r.Addr, "INFO", "replication")
				if err != nil {
					continue
				}
				if infoField(ri, "master_link_status") == "up" && infoField(ri, "slave_repl_offset") == moff {
					return nil
				}
				last = fmt.Sprintf("replica %s: link %s, offset %s of %s", r.Addr,
					infoField(ri, "master_link_status"), infoField(ri, "slave_repl_offset"), moff)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("replica not in sync within %s: %s", timeout, last)
}

// waitSentinels waits until every sentinel knows the replica and the
// other sentinels.
func (st *Sentinel) waitSentinels(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ready := true
		for _, s := range st.Sentinels {
			v, err := Do(s.Addr, "SENTINEL", "MASTER", st.MasterName)
			if err != nil {
				ready, last = false, fmt.Sprintf("%s: %v", s.Addr, err)
				break
			}
			f := fields(v)
			if f["num-slaves"] != strconv.Itoa(len(st.Data)-1) || f["num-other-sentinels"] != strconv.Itoa(len(st.Sentinels)-1) {
				ready = false
				last = fmt.Sprintf("%s knows %s replicas and %s other sentinels", s.Addr, f["num-slaves"], f["num-other-sentinels"])
				break
			}
		}
		if ready {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("sentinels not settled within %s: %s", timeout, last)
}

// fields turns a flat [field, value, ...] reply into a map.
func fields(v any) map[string]string {
	a, _ := v.([]any)
	m := make(map[string]string, len(a)/2)
	for i := 0; i+1 < len(a); i += 2 {
		m[fmt.Sprint(a[i])] = fmt.Sprint(a[i+1])
	}
	return m
}
