package hashworker

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestWorkerStartsOnABusyMachine: on a machine whose CPUs normal work
// keeps busy (the signed-in traffic of a login flood), a new worker
// still greets, and every one of its threads runs under SCHED_IDLE
// before it is sent a hash (docs/contract.md, "Password hashing").
// Before, it was lowered as it started, got no CPU to start its runtime
// within the start timeout, and every hash ran in the gateway process at
// full priority for as long as the machine stayed busy.
func TestWorkerStartsOnABusyMachine(t *testing.T) {
	// Eight spinning processes a CPU: a SCHED_IDLE process gets about
	// one part in 2,700 of each, a normal one a ninth.
	for range 8 * runtime.NumCPU() {
		spin := exec.Command("sh", "-c", "while :; do :; done")
		if err := spin.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = spin.Process.Kill(); _ = spin.Wait() })
	}
	c := newClient(t, workerCmd)
	c.mu.Lock()
	ch, err := c.childLocked()
	c.mu.Unlock()
	if err != nil {
		t.Fatalf("the worker did not start on a busy machine: %v (its hashes run in the gateway process)", err)
	}
	pid := ch.cmd.Process.Pid
	tasks, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		if policy := schedPolicy(t, pid, task.Name()); policy != schedIdle {
			t.Errorf("worker thread %s runs under policy %d once started; want SCHED_IDLE (%d)", task.Name(), policy, schedIdle)
		}
	}
}

// schedPolicy is the scheduling policy of thread tid of process pid:
// field 41 of its stat, counted after the command name's closing ')'.
func schedPolicy(t *testing.T, pid int, tid string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + tid + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	// fields[0] is field 3 (state): field 41 is fields[38].
	policy, err := strconv.Atoi(fields[38])
	if err != nil {
		t.Fatal(err)
	}
	return policy
}
