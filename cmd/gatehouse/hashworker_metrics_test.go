package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse-auth/gatehouse/internal/hashworker"
)

// TestHashWorkerReplacedSeriesMove: a password hashing worker killed
// from outside moves gatehouse_hash_worker_replaced_total{reason=
// "exited"} by one, and one that stops answering (stopped with SIGSTOP)
// moves {reason="hung"} by one once a hash waited its bound, the series
// docs/operations.md's alert rule watches; the other reason stays put.
func TestHashWorkerReplacedSeriesMove(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out the 5 s hang bound")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var started []*exec.Cmd
	c := hashworker.New(func() *exec.Cmd {
		cmd := exec.Command(exe, "hash-worker")
		mu.Lock()
		started = append(started, cmd)
		mu.Unlock()
		return cmd
	}, nil)
	t.Cleanup(func() { c.Close() })
	reg := prometheus.NewRegistry()
	if err := registerHashWorkerMetrics(reg, c); err != nil {
		t.Fatal(err)
	}
	value := func(reason string) float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "reason" && l.GetValue() == reason {
						return m.GetCounter().GetValue()
					}
				}
			}
		}
		t.Fatalf("no series with reason %q", reason)
		return 0
	}
	hash := func(ctx context.Context) error {
		_, err := c.Argon2Key(ctx, []byte("a password"), []byte("sixteen byte salt"), 1, 64, 1, 32)
		return err
	}
	// current is the worker answering now, once one has answered a hash.
	current := func() *os.Process {
		t.Helper()
		for range 3 { // answered hashes: the hang bound is derived from them
			if err := hash(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		return started[len(started)-1].Process
	}
	waitMoved := func(reason string, want float64) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); value(reason) != want; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf(`gatehouse_hash_worker_replaced_total{reason=%q} = %v, want %v`, reason, value(reason), want)
			}
		}
	}

	if err := current().Kill(); err != nil {
		t.Fatal(err)
	}
	waitMoved("exited", 1)
	if got := value("hung"); got != 0 {
		t.Errorf(`a killed worker moved {reason="hung"} to %v`, got)
	}

	hung := current()
	if err := hung.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hung.Kill() })
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := hash(ctx); err == nil || !strings.Contains(err.Error(), "did not answer") {
		t.Errorf("a hash on a stopped worker = %v, want it refused as hung", err)
	}
	waitMoved("hung", 1)
	if got := value("exited"); got != 1 {
		t.Errorf(`a hung worker moved {reason="exited"} to %v, want it left at 1`, got)
	}
}
