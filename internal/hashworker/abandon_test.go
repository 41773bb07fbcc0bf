package hashworker

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// peakMemory is the worker's peak resident memory (VmHWM), in bytes.
func peakMemory(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kib << 10
		}
	}
	t.Fatal("no VmHWM in the worker's status")
	return 0
}

// TestAbandonedHashesStayWithinMaxConcurrent: hashing.max_concurrent
// bounds the hashes the worker computes, those whose caller went away
// included (docs/contract.md, "Password hashing"). Before, a login whose
// client hung up during its hash gave its slot back at once while the
// worker went on computing it: clients that hang up right after posting
// a password piled up 64 MiB hashes in the worker (64 at once, then a
// queue in its pipe that every later login waited behind).
func TestAbandonedHashesStayWithinMaxConcurrent(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the worker's peak memory from /proc")
	}
	const memKiB = 16 << 10
	params := auth.Argon2Params{MemoryKiB: memKiB, Iterations: 2, Parallelism: 1}
	encoded, err := auth.NewHasher(params, 1, 0).Hash(context.Background(), "the right one")
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, workerCmd)
	h := auth.NewHasher(params, 1, 0) // one slot, no waiting for it
	h.SetDeriver(c)
	verify := func(ctx context.Context) error {
		_, err := h.Verify(ctx, encoded, "a wrong one")
		return err
	}
	for range 3 { // the worker's own footprint with one hash at a time
		if err := verify(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	c.mu.Lock()
	pid := c.cur.cmd.Process.Pid
	c.mu.Unlock()
	base := peakMemory(t, pid)
	for range 12 { // clients hanging up 2 ms into their hash, one after another
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Millisecond)
		_ = verify(ctx)
		cancel()
	}
	if err := verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	if grown := peakMemory(t, pid) - base; grown > 3*memKiB<<10 {
		t.Errorf("the worker's peak memory grew by %d MiB: it computed more than the one hash at a time hashing.max_concurrent allows", grown>>20)
	}
}
