package hashworker

import (
	"bufio"
	"errors"
	"io"
	"runtime/debug"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// maxInFlight bounds the hashes the child computes at once; the gateway's
// own limit (hashing.max_concurrent) is normally lower.
const maxInFlight = 64

// hello is what the child writes first, so the parent knows it is a
// hash worker and not something else answering on the pipe.
var hello = []byte("gatehouse-hash-worker/1\n")

// idleRelease is how long the child must have had nothing to hash before
// it hands its memory back to the system. Each argon2id hash takes
// hashing.memory_kib (64 MiB by default) from the heap; the Go runtime
// would keep it for minutes, so a worker that hashed one login an hour
// ago would still hold 70 MB.
const idleRelease = 2 * time.Second

// releaser returns the heap to the system once no hash has been running
// for idleRelease.
type releaser struct {
	mu       sync.Mutex
	inFlight int
	timer    *time.Timer
	release  func() // debug.FreeOSMemory; a counter in tests
	after    time.Duration
}

// start notes a hash beginning.
func (r *releaser) start() {
	r.mu.Lock()
	r.inFlight++
	if r.timer != nil {
		r.timer.Stop()
	}
	r.mu.Unlock()
}

// done notes a hash ending; the last one arms the release.
func (r *releaser) done() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inFlight--; r.inFlight > 0 {
		return
	}
	if r.timer == nil {
		r.timer = time.AfterFunc(r.after, r.fire)
		return
	}
	r.timer.Reset(r.after)
}

func (r *releaser) fire() {
	r.mu.Lock()
	idle := r.inFlight == 0
	r.mu.Unlock()
	if idle {
		r.release()
	}
}

// stop cancels a pending release.
func (r *releaser) stop() {
	r.mu.Lock()
	if r.timer != nil {
		r.timer.Stop()
	}
	r.mu.Unlock()
}

// Serve answers requests read from r with responses written to w until r
// ends (the parent closed the pipe or died). It is the whole of the
// `gatehouse hash-worker` command.
func Serve(r io.Reader, w io.Writer) error {
	return serve(r, w, &releaser{release: debug.FreeOSMemory, after: idleRelease})
}

func serve(r io.Reader, w io.Writer, idle *releaser) error {
	defer idle.stop()
	out := bufio.NewWriter(w)
	var mu sync.Mutex // guards out
	mu.Lock()
	_, err := out.Write(hello)
	if err == nil {
		err = out.Flush()
	}
	mu.Unlock()
	if err != nil {
		return err
	}
	in := bufio.NewReader(r)
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		q, err := readRequest(in)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		sem <- struct{}{}
		idle.start()
		wg.Go(func() {
			defer func() { <-sem }()
			defer idle.done()
			p := &response{id: q.id}
			if q.valid() {
				p.key = argon2.IDKey(q.password, q.salt, q.iterations, q.memoryKiB, q.parallelism, q.keyLen)
				p.ok = true
			}
			clear(q.password)
			mu.Lock()
			defer mu.Unlock()
			if _, err := out.Write(appendResponse(nil, p)); err == nil {
				_ = out.Flush()
			}
		})
	}
}
