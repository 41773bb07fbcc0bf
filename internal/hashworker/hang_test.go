package hashworker

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// workerPid is the pid of c's running worker, 0 when there is none.
func workerPid(c *Client) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil {
		return 0
	}
	return c.cur.cmd.Process.Pid
}

// TestHungWorkerIsReplaced: a worker that stops answering (here stopped
// with SIGSTOP) is killed once a hash has waited the hang bound
// (docs/contract.md, "Password hashing"): the sign-ins waiting on it are
// refused as overloaded (never a match, never a wrong password), and the
// next sign-in is answered by a new worker, without a restart. Before,
// every sign-in waited for as long as its client did, and the hung
// process got every later hash for as long as it lived.
func TestHungWorkerIsReplaced(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("stops the worker with SIGSTOP")
	}
	var logs bytes.Buffer
	var lmu sync.Mutex
	c := New(workerCmd, slog.New(slog.NewTextHandler(lockedWriter{&lmu, &logs}, nil)))
	t.Cleanup(func() { c.Close() })
	setHangFloor(c, 300*time.Millisecond) // the bound of these cheap hashes
	params := auth.Argon2Params{MemoryKiB: 64, Iterations: 1, Parallelism: 1}
	h := auth.NewHasher(params, 4, time.Second) // 3 open slots: both sign-ins reach the worker
	h.SetDeriver(c)
	encoded, err := h.Hash(context.Background(), "the right one")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // a few answered hashes: what the bound is derived from
		if ok, err := h.Verify(context.Background(), encoded, "the right one"); !ok || err != nil {
			t.Fatalf("Verify before the hang = %v, %v", ok, err)
		}
	}
	hung := workerPid(c)
	if hung == 0 { // kill(0, SIGSTOP) would stop this test's process group
		t.Fatal("no worker after three answered hashes")
	}
	if err := syscall.Kill(hung, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, hung)
	// Sign-ins during the hang, their clients willing to wait 5 s: each
	// is refused as overloaded well before.
	begin := time.Now()
	var wg sync.WaitGroup
	for _, pw := range []string{"the right one", "a wrong one"} {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			ok, err := h.Verify(ctx, encoded, pw)
			if ok || !errors.Is(err, auth.ErrOverloaded) || ctx.Err() != nil {
				t.Errorf("Verify(%q) on a hung worker = %v, %v after %v; want false, ErrOverloaded before the client gives up", pw, ok, err, time.Since(begin))
			}
		})
	}
	wg.Wait()
	if took := time.Since(begin); took > 2*time.Second {
		t.Errorf("the sign-ins on the hung worker were refused after %v; want about the 300 ms bound", took)
	}
	// Sign-ins resume, answered by a new worker, right and wrong alike.
	for _, tc := range []struct {
		password string
		want     bool
	}{{"the right one", true}, {"a wrong one", false}} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ok, err := h.Verify(ctx, encoded, tc.password)
		cancel()
		if ok != tc.want || err != nil {
			t.Errorf("Verify(%q) after the hang = %v, %v; want %v, nil", tc.password, ok, err, tc.want)
		}
	}
	if now := workerPid(c); now == hung || now == 0 {
		t.Errorf("the worker is %d after the hang of %d; want a new one", now, hung)
	}
	// The hung process is gone, reaped (kill(pid, 0) succeeds on a zombie).
	deadline := time.Now().Add(3 * time.Second)
	for syscall.Kill(hung, 0) == nil {
		if time.Now().After(deadline) {
			_ = syscall.Kill(hung, syscall.SIGKILL)
			t.Fatalf("the hung worker %d still exists (stopped or a zombie)", hung)
		}
		time.Sleep(20 * time.Millisecond)
	}
	lmu.Lock()
	logged := logs.String()
	lmu.Unlock()
	if !strings.Contains(logged, "password hashing worker hung") {
		t.Errorf("no log line says the worker hung:\n%s", logged)
	}
	if s := c.Stats(); s.Hung != 1 {
		t.Errorf("Stats() = %+v; want one hung worker replaced", s)
	}
}

// waitStopped waits until every thread of process pid is stopped. kill
// returns once SIGSTOP is pending, not once it took effect: the thread
// that takes it stops the others at their next entry into the kernel,
// and a worker under SCHED_IDLE on a busy machine may first read a hash
// sent meanwhile, compute it and answer (a wrong password answered
// within 211 µs, its verdict the worker's, in a run on a loaded
// machine).
func waitStopped(t *testing.T, pid int) {
	t.Helper()
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	deadline := time.Now().Add(5 * time.Second)
	for {
		running := ""
		tasks, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range tasks {
			stat, err := os.ReadFile(dir + task.Name() + "/stat")
			if err != nil {
				continue // a thread that exited
			}
			// pid (comm) STATE ...: comm may hold spaces and ')'.
			if _, rest, ok := bytes.Cut(stat[bytes.LastIndexByte(stat, ')')+1:], []byte(" ")); !ok || len(rest) == 0 || rest[0] != 'T' {
				running = task.Name()
				break
			}
		}
		if running == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("thread %s of the worker %d is not stopped 5 s after SIGSTOP", running, pid)
		}
		time.Sleep(time.Millisecond)
	}
}

// lockedWriter serialises writes to w (the log, written from the
// Client's goroutines).
type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// setHangFloor sets c's floor of the hang bound.
func setHangFloor(c *Client, d time.Duration) {
	c.mu.Lock()
	c.hangFloor = d
	c.mu.Unlock()
}

// TestHangBoundFollowsTheWork: the bound is hangFactor times what the
// request would take at the slowest recent pace of its kind, never under
// the floor; a kind not answered yet gets hangUnsampled.
func TestHangBoundFollowsTheWork(t *testing.T) {
	argon := func(m, it uint32) *request { return &request{op: opArgon2, memoryKiB: m, iterations: it} }
	bcryptOf := func(cost string) *request {
		return &request{op: opBcrypt, salt: []byte("$2b$" + cost + "$" + strings.Repeat("a", 53))}
	}
	var p pace
	p.observe(argon(1024, 1), 100*time.Millisecond) // 100 ms per MiB-pass
	p.observe(argon(1024, 2), 100*time.Millisecond) // faster: not the slowest
	for _, tc := range []struct {
		name string
		q    *request
		want time.Duration
	}{
		{"same work as the slowest", argon(1024, 1), time.Second},                // the floor
		{"64 times the work", argon(64<<10, 1), 4 * 64 * 100 * time.Millisecond}, // 25.6 s
		{"bcrypt, none answered yet", bcryptOf("12"), hangUnsampled},
		{"absurd work", argon(4<<20, 64), hangCeiling},
	} {
		if got := p.bound(tc.q, time.Second); got != tc.want {
			t.Errorf("%s: bound = %v, want %v", tc.name, got, tc.want)
		}
	}
	p.observe(bcryptOf("10"), 50*time.Millisecond)
	if got, want := p.bound(bcryptOf("12"), time.Second), 4*4*50*time.Millisecond; got != max(want, time.Second) {
		t.Errorf("bcrypt cost 12 after a cost 10 took 50 ms: bound = %v, want %v", got, max(want, time.Second))
	}
}

// TestSlowHashIsNotTakenForHung: a hash far costlier than the recent
// ones, which takes longer than the floor, is answered, not killed.
func TestSlowHashIsNotTakenForHung(t *testing.T) {
	c := newClient(t, workerCmd)
	setHangFloor(c, 20*time.Millisecond)
	salt := []byte("saltsaltsaltsalt")
	for range 3 {
		if _, err := c.Argon2Key(context.Background(), []byte("pw"), salt, 1, 64, 1, 32); err != nil {
			t.Fatal(err)
		}
	}
	begin := time.Now()
	// 32 MiB, 4 passes: several times the 20 ms floor.
	if _, err := c.Argon2Key(context.Background(), []byte("pw"), salt, 4, 32<<10, 1, 32); err != nil {
		t.Fatalf("a slow hash failed after %v: %v", time.Since(begin), err)
	}
	if took := time.Since(begin); took < 20*time.Millisecond {
		t.Logf("the slow hash took only %v: the test proves little on this machine", took)
	}
	if s := c.Stats(); s.Hung != 0 {
		t.Errorf("Stats() = %+v; a slow hash was taken for a hang", s)
	}
}
