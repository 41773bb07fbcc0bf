package testredis_test

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testredis"
)

// ping sends PING to addr and reports the error, if any.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 7)
	n, err := conn.Read(buf)
	if err != nil {
		return err
	}
	if string(buf[:n]) != "+PONG\r\n" {
		return errors.New("unexpected reply " + string(buf[:n]))
	}
	return nil
}

func TestStartAnswersPingAndStopsAtCleanup(t *testing.T) {
	var addr string
	t.Run("inner", func(t *testing.T) {
		addr = testredis.Start(t)
		if !strings.HasPrefix(addr, "127.0.0.1:") {
			t.Fatalf("addr = %q, want a 127.0.0.1 address", addr)
		}
		if err := ping(addr); err != nil {
			t.Fatalf("PING %s: %v", addr, err)
		}
	})
	if addr == "" {
		t.Skip("inner test skipped")
	}
	if err := ping(addr); err == nil {
		t.Fatalf("server at %s still answers after its test ended", addr)
	}
}

func TestStopAndRestartKeepTheAddress(t *testing.T) {
	s := testredis.NewServer(t)
	addr := s.Addr

	s.Stop()
	if err := ping(addr); err == nil {
		t.Fatal("server answers PING after Stop")
	}
	s.Stop() // a second Stop is harmless

	s.Restart()
	if s.Addr != addr {
		t.Fatalf("Addr after Restart = %q, want %q", s.Addr, addr)
	}
	if err := ping(addr); err != nil {
		t.Fatalf("PING after Restart: %v", err)
	}
}

func TestTwoServersGetDifferentPorts(t *testing.T) {
	a, b := testredis.Start(t), testredis.Start(t)
	if a == b {
		t.Fatalf("both servers on %s", a)
	}
}

// recordingTB records Skip and Fatal instead of acting on them, and ends
// the goroutine like the real ones do.
type recordingTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Skip(args ...any) {
	r.skipped = strings.TrimSpace(fmtArgs(args))
	runtime.Goexit()
}

func (r *recordingTB) Fatal(args ...any) {
	r.failed = strings.TrimSpace(fmtArgs(args))
	runtime.Goexit()
}

func fmtArgs(args []any) string {
	var b strings.Builder
	for _, a := range args {
		if s, ok := a.(string); ok {
			b.WriteString(s)
		}
	}
	return b.String()
}

func TestMissingRedisServer(t *testing.T) {
	tests := []struct {
		name        string
		ci          string
		wantSkipped bool
		wantFailed  bool
	}{
		{name: "developer machine skips", ci: "", wantSkipped: true},
		{name: "CI fails", ci: "true", wantFailed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			t.Setenv("CI", tt.ci)
			rec := &recordingTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				testredis.Start(rec)
			}()
			<-done
			if got := rec.skipped != ""; got != tt.wantSkipped {
				t.Errorf("skipped = %v (%q), want %v", got, rec.skipped, tt.wantSkipped)
			}
			if got := rec.failed != ""; got != tt.wantFailed {
				t.Errorf("failed = %v (%q), want %v", got, rec.failed, tt.wantFailed)
			}
			if msg := rec.skipped + rec.failed; !strings.Contains(msg, "make test") {
				t.Errorf("message %q does not say how to install redis-server", msg)
			}
		})
	}
}

func TestKillPauseResume(t *testing.T) {
	s := testredis.NewServer(t)
	s.Pause()
	if err := ping(s.Addr); err == nil {
		t.Fatal("a paused server answers PING")
	}
	s.Resume()
	if err := ping(s.Addr); err != nil {
		t.Fatalf("PING after Resume: %v", err)
	}
	s.Kill()
	if err := ping(s.Addr); err == nil {
		t.Fatal("server answers PING after Kill")
	}
	s.Restart()
	if err := ping(s.Addr); err != nil {
		t.Fatalf("PING after Restart: %v", err)
	}
	s.Pause() // cleanup must end a paused server too
}

func TestCluster(t *testing.T) {
	t.Parallel()
	c := testredis.NewCluster(t, 3)
	if len(c.Addrs) != 3 || len(c.Nodes) != 3 {
		t.Fatalf("cluster of %d addresses, %d nodes; want 3", len(c.Addrs), len(c.Nodes))
	}
	// Each key is accepted by exactly the node owning its slot; the others
	// answer MOVED. Thirty keys land on every node.
	for i := range 30 {
		key := fmt.Sprintf("key-%d", i)
		owners := 0
		for _, addr := range c.Addrs {
			if _, err := testredis.Do(addr, "SET", key, "v"); err == nil {
				owners++
			} else if !strings.HasPrefix(err.Error(), "MOVED ") {
				t.Fatalf("SET %s on %s: %v", key, addr, err)
			}
		}
		if owners != 1 {
			t.Fatalf("%s accepted by %d nodes, want 1", key, owners)
		}
	}
	var total int64
	for i, n := range c.KeysPerNode(t) {
		if n == 0 {
			t.Errorf("node %s holds no key", c.Addrs[i])
		}
		total += n
	}
	if total != 30 {
		t.Errorf("nodes hold %d keys, want 30", total)
	}

	c.Nodes[0].Kill()
	c.Nodes[0].Restart()
	if err := c.WaitOK(20 * time.Second); err != nil {
		t.Fatalf("cluster after a node restart: %v", err)
	}
}

func TestSentinelFailover(t *testing.T) {
	t.Parallel()
	s := testredis.NewSentinel(t)
	if len(s.Addrs) != 3 || s.MasterName == "" {
		t.Fatalf("sentinel setup: addrs %v, master name %q", s.Addrs, s.MasterName)
	}
	if m, err := s.Master(); err != nil || m != s.Data[0].Addr {
		t.Fatalf("Master() = %q, %v; want %s", m, err, s.Data[0].Addr)
	}
	if _, err := testredis.Do(s.Data[0].Addr, "SET", "k", "before"); err != nil {
		t.Fatal(err)
	}
	if _, err := testredis.Do(s.Data[1].Addr, "SET", "k", "x"); err == nil {
		t.Fatal("the replica accepted a write")
	}
	if err := s.WaitSynced(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := s.Failover(t); got != s.Data[1].Addr {
		t.Fatalf("new master %s, want the replica %s", got, s.Data[1].Addr)
	}
	if s.MasterServer(t) != s.Data[1] {
		t.Fatal("MasterServer is not the promoted replica")
	}
	v, err := testredis.Do(s.Data[1].Addr, "GET", "k")
	if err != nil || v != "before" {
		t.Fatalf("GET on the new master = %v, %v; want the replicated value", v, err)
	}
	if _, err := testredis.Do(s.Data[1].Addr, "SET", "k", "after"); err != nil {
		t.Fatalf("the new master refuses writes: %v", err)
	}
}
