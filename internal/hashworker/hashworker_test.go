package hashworker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// TestMain lets the test binary play the worker: re-run with
// HASHWORKER_CHILD=1 it serves on its standard input and output.
func TestMain(m *testing.M) {
	if os.Getenv("HASHWORKER_CHILD") == "garbage" {
		garbageWorker()
	}
	if os.Getenv("HASHWORKER_CHILD") == "1" {
		if err := Serve(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func workerCmd() *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HASHWORKER_CHILD=1")
	cmd.Stderr = os.Stderr
	return cmd
}

func newClient(t *testing.T, spawn func() *exec.Cmd) *Client {
	t.Helper()
	c := New(spawn, nil)
	t.Cleanup(func() { c.Close() })
	return c
}

type params struct {
	t, m   uint32
	p      uint8
	keyLen uint32
}

func TestKeysAreArgon2id(t *testing.T) {
	c := newClient(t, workerCmd)
	salt := []byte("0123456789abcdef")
	var wg sync.WaitGroup
	for i, p := range []params{{1, 64, 1, 32}, {3, 256, 2, 32}, {2, 128, 4, 16}, {1, 8, 1, 64}} {
		for j := range 4 {
			wg.Go(func() {
				pw := []byte(fmt.Sprintf("password %d/%d", i, j))
				got, err := c.Argon2Key(context.Background(), pw, salt, p.t, p.m, p.p, p.keyLen)
				if err != nil {
					t.Error(err)
					return
				}
				if want := argon2.IDKey(pw, salt, p.t, p.m, p.p, p.keyLen); !bytes.Equal(got, want) {
					t.Errorf("%+v %q: key differs from argon2.IDKey", p, pw)
				}
			})
		}
	}
	wg.Wait()
}

func TestWorkerRunsAtLowestPriority(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("priority is only lowered on Linux")
	}
	c := newClient(t, workerCmd)
	// Hash once, so that the worker's runtime has started its threads.
	if _, err := c.Argon2Key(context.Background(), []byte("pw"), []byte("saltsaltsaltsalt"), 1, 64, 2, 32); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	pid := c.cur.cmd.Process.Pid
	c.mu.Unlock()
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) < 2 {
		t.Fatalf("worker has %d threads; the test means to check several", len(tasks))
	}
	// Every thread, not only the main one: priority is per thread on Linux.
	for _, task := range tasks {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/stat", pid, task.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
		nice, _ := strconv.Atoi(fields[16])   // field 19: nice
		policy, _ := strconv.Atoi(fields[38]) // field 41: scheduling policy
		if policy != schedIdle && nice != 19 {
			t.Errorf("worker thread %s: policy %d, nice %d; want SCHED_IDLE (%d) or nice 19", task.Name(), policy, nice, schedIdle)
		}
	}
}

func TestWorkerDeathIsSurvived(t *testing.T) {
	c := newClient(t, workerCmd)
	salt := []byte("saltsaltsaltsalt")
	key := func() {
		t.Helper()
		got, err := c.Argon2Key(context.Background(), []byte("pw"), salt, 1, 64, 1, 32)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, argon2.IDKey([]byte("pw"), salt, 1, 64, 1, 32)) {
			t.Fatal("wrong key")
		}
	}
	key()
	c.mu.Lock()
	first := c.cur
	c.mu.Unlock()
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.dead
	key() // a new worker
	c.mu.Lock()
	second := c.cur
	c.mu.Unlock()
	if second == nil || second == first {
		t.Fatal("no new worker after the first one died")
	}
	if s := c.Stats(); s != (Stats{Exited: 1}) {
		t.Errorf("Stats() = %+v; want one worker that exited", s)
	}
}

func TestNotAWorkerFallsBackToInProcess(t *testing.T) {
	c := newClient(t, func() *exec.Cmd { return exec.Command("sh", "-c", "echo hello; sleep 1") })
	salt := []byte("saltsaltsaltsalt")
	got, err := c.Argon2Key(context.Background(), []byte("pw"), salt, 1, 64, 1, 32)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, argon2.IDKey([]byte("pw"), salt, 1, 64, 1, 32)) {
		t.Fatal("wrong key from the in-process fallback")
	}
}

func TestCanceledCallReturns(t *testing.T) {
	c := newClient(t, workerCmd)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	// 16 MiB, 8 passes: far longer than the deadline.
	_, err := c.Argon2Key(ctx, []byte("pw"), []byte("saltsaltsaltsalt"), 8, 16<<10, 1, 32)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want the context's", err)
	}
}

func TestIdleWorkerExitsAndComesBack(t *testing.T) {
	var logs bytes.Buffer
	c := New(workerCmd, slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { c.Close() })
	c.mu.Lock()
	c.idle = 300 * time.Millisecond
	c.armLocked()
	first := c.cur
	c.mu.Unlock()
	if first == nil {
		t.Fatal("no worker at start")
	}
	// Unused, the worker exits after the idle time.
	select {
	case <-first.dead:
	case <-time.After(10 * time.Second):
		t.Fatal("an idle worker is still running")
	}
	if state := first.cmd.ProcessState; state == nil || !state.Success() {
		t.Errorf("the idle worker ended with %v; want a clean exit", state)
	}
	// The next hash starts a new one, and is right.
	salt := []byte("saltsaltsaltsalt")
	key, err := c.Argon2Key(context.Background(), []byte("pw"), salt, 1, 64, 1, 32)
	if err != nil {
		t.Fatal(err)
	}
	if want := argon2.IDKey([]byte("pw"), salt, 1, 64, 1, 32); !bytes.Equal(key, want) {
		t.Error("wrong key from the restarted worker")
	}
	c.mu.Lock()
	second := c.cur
	c.mu.Unlock()
	if second == nil || second == first {
		t.Fatal("the hash did not start a new worker")
	}
	// A hash in flight keeps it: calls spaced closer than the idle time.
	for range 4 {
		time.Sleep(100 * time.Millisecond)
		if _, err := c.Argon2Key(context.Background(), []byte("pw"), salt, 1, 64, 1, 32); err != nil {
			t.Fatal(err)
		}
	}
	c.mu.Lock()
	kept := c.cur == second
	c.mu.Unlock()
	if !kept {
		t.Error("a worker in regular use was retired")
	}
	if strings.Contains(logs.String(), "WARN") {
		t.Errorf("an idle exit was logged as a problem:\n%s", logs.String())
	}
}

// TestCloseDoesNotWaitForAbandonedHashes: a hash whose caller gave up
// keeps the worker busy; Close (the gateway stopping) must not wait for
// it, at the worker's idle priority, before the process can exit.
func TestCloseDoesNotWaitForAbandonedHashes(t *testing.T) {
	c := New(workerCmd, nil)
	c.mu.Lock()
	worker := c.cur
	c.mu.Unlock()
	if worker == nil {
		t.Fatal("no worker at start")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	called := make(chan error, 1)
	go func() {
		// 64 MiB, 40 passes: seconds of work, abandoned after 50 ms.
		_, err := c.Argon2Key(ctx, []byte("pw"), []byte("saltsaltsaltsalt"), 40, 64<<10, 1, 32)
		called <- err
	}()
	<-ctx.Done()
	begin := time.Now()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took > 500*time.Millisecond {
		t.Errorf("Close took %v: it waited for a hash nobody wants", took)
	}
	// The abandoned call, which waits for its hash, ends with the worker:
	// with its context's error, not computed again in process.
	select {
	case err := <-called:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error = %v, want the context's", err)
		}
		if took := time.Since(begin); took > 2*time.Second {
			t.Errorf("the abandoned call returned %v after Close: it hashed again in process", took)
		}
	case <-time.After(5 * time.Second):
		t.Error("the abandoned call still waits after Close")
	}
	select {
	case <-worker.dead:
	case <-time.After(5 * time.Second):
		t.Error("the worker still runs after Close")
	}
}
