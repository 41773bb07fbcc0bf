package logsink_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/logsink"
)

// recorder is an underlying writer that records each call and can be
// held shut to simulate a slow sink.
type recorder struct {
	mu    sync.Mutex
	calls [][]byte
	gate  chan struct{} // nil: never blocks; else each Write waits for it
	err   error
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.gate != nil {
		<-r.gate
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, bytes.Clone(p))
	if r.err != nil {
		return 0, r.err
	}
	return len(p), nil
}

func (r *recorder) all() (string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, c := range r.calls {
		b.Write(c)
	}
	return b.String(), len(r.calls)
}

func TestLinesIntactAndInOrder(t *testing.T) {
	rec := &recorder{}
	w := logsink.New(rec)
	const writers, lines = 8, 500
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range lines {
				if _, err := fmt.Fprintf(w, "writer=%d line=%04d %s\n", g, i, strings.Repeat("x", i%97)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out, _ := rec.all()
	next := make([]int, writers)
	n := 0
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var g, i int
		var pad string
		if _, err := fmt.Sscanf(line, "writer=%d line=%d %s", &g, &i, &pad); err != nil && i%97 != 0 {
			t.Fatalf("mangled line %q: %v", line, err)
		}
		if i != next[g] || len(pad) != i%97 {
			t.Fatalf("writer %d: got line %d (pad %d), want line %d", g, i, len(pad), next[g])
		}
		next[g]++
		n++
	}
	if n != writers*lines {
		t.Fatalf("got %d lines, want %d", n, writers*lines)
	}
}

func TestBurstSharesOneWrite(t *testing.T) {
	rec := &recorder{gate: make(chan struct{})}
	w := logsink.New(rec)
	fmt.Fprintln(w, "first") // the goroutine takes it and blocks in the sink
	time.Sleep(20 * time.Millisecond)
	for i := range 100 {
		fmt.Fprintf(w, "line %d\n", i) // must not block: the sink is slow, not full
	}
	close(rec.gate)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out, calls := rec.all()
	if strings.Count(out, "\n") != 101 {
		t.Fatalf("got %d lines, want 101", strings.Count(out, "\n"))
	}
	if calls > 3 {
		t.Errorf("101 lines written in %d calls; a burst should share one", calls)
	}
}

func TestFullBufferMakesWritersWait(t *testing.T) {
	rec := &recorder{gate: make(chan struct{})}
	w := logsink.New(rec)
	fmt.Fprintln(w, "first")
	time.Sleep(20 * time.Millisecond) // the goroutine is now stuck in the sink
	line := []byte(strings.Repeat("y", 1023) + "\n")
	for range 1024 { // 1 MiB waits: the limit
		w.Write(line)
	}
	done := make(chan struct{})
	go func() {
		w.Write(line)
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("a write past the limit did not wait for the sink")
	case <-time.After(50 * time.Millisecond):
	}
	close(rec.gate)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the waiting write never went through")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if out, _ := rec.all(); len(out) != 6+1025*len(line) {
		t.Fatalf("got %d bytes, want %d", len(out), 6+1025*len(line))
	}
}

func TestCloseFlushesAndLaterWritesGoStraightThrough(t *testing.T) {
	rec := &recorder{}
	w := logsink.New(rec)
	fmt.Fprintln(w, "before")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if out, _ := rec.all(); out != "before\n" {
		t.Fatalf("after Close the sink has %q", out)
	}
	fmt.Fprintln(w, "after")
	if out, _ := rec.all(); out != "before\nafter\n" {
		t.Fatalf("a write after Close: sink has %q", out)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestSinkErrorIsReported(t *testing.T) {
	boom := errors.New("disk full")
	rec := &recorder{err: boom}
	w := logsink.New(rec)
	fmt.Fprintln(w, "lost")
	deadline := time.Now().Add(5 * time.Second)
	var err error
	for err == nil && time.Now().Before(deadline) {
		_, err = fmt.Fprintln(w, "more")
		time.Sleep(time.Millisecond)
	}
	if !errors.Is(err, boom) {
		t.Fatalf("Write error = %v, want the sink's", err)
	}
	if err := w.Close(); !errors.Is(err, boom) {
		t.Fatalf("Close error = %v, want the sink's", err)
	}
}
