package logsink

import (
	"io"
	"sync"
)

// maxBuffered bounds the bytes waiting to be written; a Write that would
// go past it waits until the background goroutine has caught up.
const maxBuffered = 1 << 20

// keepCap is the largest buffer kept for reuse after a burst.
const keepCap = 64 << 10

// Writer is an io.Writer that hands its bytes to a background goroutine,
// which writes them to the underlying writer in as few calls as possible.
// Each Write's bytes are written contiguously and in order. It is safe for
// concurrent use. Create it with New and stop it with Close.
type Writer struct {
	out  io.Writer
	wake chan struct{} // capacity 1: "there is something to write"
	done chan struct{} // closed when the goroutine has exited

	mu      sync.Mutex
	caught  sync.Cond // signalled after every flush
	buf     []byte    // bytes waiting
	spare   []byte    // the buffer being written, reused afterwards
	closing bool
	err     error // first error of the underlying writer
}

// New returns a Writer writing to out and starts its goroutine.
func New(out io.Writer) *Writer {
	w := &Writer{out: out, wake: make(chan struct{}, 1), done: make(chan struct{})}
	w.caught.L = &w.mu
	go w.run()
	return w
}

// Write queues p and returns at once unless maxBuffered bytes are already
// waiting. It reports the underlying writer's first error, if any, on
// later calls. After Close it writes p directly.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	for !w.closing && len(w.buf) > 0 && len(w.buf)+len(p) > maxBuffered {
		w.caught.Wait()
	}
	if w.closing {
		w.mu.Unlock()
		<-w.done // after the last flush, so nothing is reordered
		return w.out.Write(p)
	}
	w.buf = append(w.buf, p...)
	select {
	case w.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
	err := w.err
	w.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close writes everything still waiting, stops the goroutine and returns
// the underlying writer's first error. Writes after Close go straight to
// the underlying writer. Close does not close that writer.
func (w *Writer) Close() error {
	w.mu.Lock()
	if !w.closing {
		w.closing = true
		close(w.wake)
		w.caught.Broadcast()
	}
	w.mu.Unlock()
	<-w.done
	return w.firstErr()
}

func (w *Writer) firstErr() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// run writes what accumulates until Close, then what is left.
func (w *Writer) run() {
	defer close(w.done)
	for range w.wake {
		w.flush()
	}
	w.flush()
}

// flush writes the waiting bytes in one call. Only run calls it, so
// writes reach the underlying writer in order.
func (w *Writer) flush() {
	w.mu.Lock()
	b := w.buf
	if len(b) == 0 {
		w.mu.Unlock()
		return
	}
	w.buf, w.spare = w.spare[:0], nil // b and the next buffer never share an array
	w.mu.Unlock()
	_, err := w.out.Write(b)
	if cap(b) > keepCap {
		b = nil
	}
	w.mu.Lock()
	if err != nil && w.err == nil {
		w.err = err
	}
	w.spare = b[:0]
	w.caught.Broadcast()
	w.mu.Unlock()
}
