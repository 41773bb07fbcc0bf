package hashworker

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// TestRetiredWorkerThatHangsIsKilled: a worker retired after its idle
// time that does not exit (here stopped with SIGSTOP while idle) is
// killed and reaped once the grace after its input closed has passed
// (docs/contract.md, "Password hashing"). Before, it was left stopped,
// with its memory, for as long as the gateway ran: one more each time.
func TestRetiredWorkerThatHangsIsKilled(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("stops the worker with SIGSTOP")
	}
	c := newClient(t, workerCmd)
	setRetireGrace(c, 200*time.Millisecond)
	pid := workerPid(c)
	if pid == 0 {
		t.Fatal("no worker at start")
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, pid) // else it may see its input close and exit first
	c.mu.Lock()
	c.idle = 100 * time.Millisecond
	c.armLocked()
	c.mu.Unlock()
	deadline := time.Now().Add(3 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the retired worker %d, stopped, still exists 3 s after its idle time", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := c.Stats(); s.Hung != 1 {
		t.Errorf("Stats() = %+v; want the retired worker counted as hung", s)
	}
}

// setRetireGrace sets how long a retired worker of c may take to exit.
func setRetireGrace(c *Client, d time.Duration) {
	c.mu.Lock()
	c.grace = d
	c.mu.Unlock()
}
