package hashworker

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// abandonWait bounds how long a call whose caller went away waits for
// the worker to finish its hash (child.call).
const abandonWait = 10 * time.Second

// startTimeout bounds how long a starting child may take to say hello.
const startTimeout = 5 * time.Second

// retryAfter is how long the Client computes in process after a child
// failed to start, before it tries to start one again.
const retryAfter = 10 * time.Second

// errWorkerGone is returned to the callers whose hash was in flight when
// the child died; the next call starts a new child.
var errWorkerGone = errors.New("hashworker: worker process exited")

// Client computes argon2id keys in a child process at the lowest CPU
// priority, starting it when needed and again if it dies. When a child
// cannot be started it computes in process (and logs why) rather than
// refusing logins. A child that leaves a hash unanswered past its bound
// is killed as hung and the calls waiting on it fail (hang.go; the next
// call starts a new one), as is one retired after its idle time that
// does not exit (idle.go; docs/contract.md, "Password hashing"). It is
// safe for concurrent use.
type Client struct {
	spawn func() *exec.Cmd
	log   *slog.Logger

	mu       sync.Mutex
	cur      *child
	failedAt time.Time // last failed start
	nextID   uint64
	closed   bool
	inFlight int           // calls under way
	idle     time.Duration // idleExit; shorter in tests
	retire   *time.Timer   // stops cur after idle with nothing in flight
	// pace times recent answers, which bound how long the next may
	// take before the worker is taken for hung (hang.go).
	pace      pace
	hangFloor time.Duration // hangFloor; shorter in tests
	grace     time.Duration // retireGrace; shorter in tests
	hung      atomic.Uint64 // Stats.Hung; read without mu by the metrics
	exits     atomic.Uint64 // Stats.Exited
}

// child is one running worker process.
type child struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	wmu     sync.Mutex // serialises frames on stdin
	mu      sync.Mutex // guards pending
	pending map[uint64]chan *response
	dead    chan struct{} // closed when the child's output ended
	// hung: killed for not answering (Client.hang); stopping: retired
	// idle or closed. Either way its end was asked for. Guarded by mu.
	hung, stopping bool
	onExit         func(*child) // called once it is gone and reaped
}

// New returns a Client that starts workers with spawn (typically the
// running binary with the hash-worker command). It starts the first one
// at once, so that a broken setup shows in the log at startup.
func New(spawn func() *exec.Cmd, log *slog.Logger) *Client {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{spawn: spawn, log: log, idle: idleExit, hangFloor: hangFloor, grace: retireGrace}
	c.mu.Lock()
	if _, err := c.childLocked(); err == nil {
		c.armLocked()
	}
	c.mu.Unlock()
	return c
}

// Argon2Key returns argon2id(password, salt, iterations, memoryKiB,
// parallelism, keyLen), computed by the worker. It fails only when ctx
// ends, and then returns once the worker is done with the hash (or gone),
// not before: an abandoned hash still holds its caller's hashing slot.
func (c *Client) Argon2Key(ctx context.Context, password, salt []byte, iterations, memoryKiB uint32, parallelism uint8, keyLen uint32) ([]byte, error) {
	q := &request{op: opArgon2, iterations: iterations, memoryKiB: memoryKiB, parallelism: parallelism, keyLen: keyLen, salt: salt, password: password}
	return c.do(ctx, q, func() ([]byte, error) {
		return argon2.IDKey(password, salt, iterations, memoryKiB, parallelism, keyLen), nil
	})
}

// CompareBcrypt reports whether password matches the bcrypt hash,
// checked by the worker; it fails as Argon2Key does, and when the worker
// cannot read the hash.
func (c *Client) CompareBcrypt(ctx context.Context, hash, password []byte) (bool, error) {
	q := &request{op: opBcrypt, salt: hash, password: password}
	got, err := c.do(ctx, q, func() ([]byte, error) {
		switch err := bcrypt.CompareHashAndPassword(hash, password); {
		case err == nil:
			return []byte{1}, nil
		case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
			return []byte{0}, nil
		default:
			return nil, fmt.Errorf("hashworker: %w", err)
		}
	})
	switch {
	case err != nil:
		return false, err
	case len(got) != 1 || got[0] > 1:
		return false, errors.New("hashworker: malformed bcrypt answer")
	}
	return got[0] == 1, nil
}

// do has the worker answer q, or computes the answer with local when
// there is no worker, q is one it would refuse, or it died under the
// call (a login must not fail for it; the next call starts a new one).
// A worker that leaves q unanswered past its bound (hang.go) is killed
// and the call fails with errWorkerHung: it is not computed again in
// process, where a hang of the worker's making could follow it.
func (c *Client) do(ctx context.Context, q *request, local func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	ch, err := c.childLocked()
	floor := c.hangFloor
	c.nextID++
	q.id = c.nextID
	c.inFlight++
	if c.retire != nil {
		c.retire.Stop()
	}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		if c.inFlight--; c.inFlight == 0 {
			c.armLocked()
		}
		c.mu.Unlock()
	}()
	if err != nil || !q.valid() {
		return local()
	}
	bound := c.pace.bound(q, floor)
	begin := time.Now()
	key, err := ch.call(ctx, q, bound)
	switch {
	case err == nil:
		c.pace.observe(q, time.Since(begin))
	case errors.Is(err, errWorkerHung):
		c.hang(ch, "a hash went unanswered past its bound", bound)
	case errors.Is(err, errWorkerGone) && ctx.Err() == nil:
		return local()
	}
	return key, err
}

// Close kills the worker; later calls compute in process. The worker is
// killed rather than left to exit when its input closes: it would first
// finish every hash it holds, whose callers have given up (the gateway is
// stopping), at the lowest CPU priority, which on a busy machine takes
// seconds. Close does not wait for it to be gone either: on a busy
// machine even dying waits a second for the CPU (SCHED_IDLE), and the
// kernel completes the kill without the gateway (it reaps the worker if
// it lives on).
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	ch := c.cur
	c.cur = nil
	if c.retire != nil {
		c.retire.Stop()
	}
	c.mu.Unlock()
	if ch == nil {
		return nil
	}
	ch.stop()
	_ = ch.stdin.Close()
	_ = ch.cmd.Process.Kill() // an error means it already exited
	return nil
}

// childLocked returns the running child, starting one if needed. The
// caller holds c.mu.
func (c *Client) childLocked() (*child, error) {
	if c.closed {
		return nil, errors.New("hashworker: closed")
	}
	if c.cur != nil {
		select {
		case <-c.cur.dead:
			c.cur = nil
		default:
			return c.cur, nil
		}
	}
	if !c.failedAt.IsZero() && time.Since(c.failedAt) < retryAfter {
		return nil, errors.New("hashworker: recently failed to start")
	}
	ch, err := start(c.spawn(), c.log, c.exited)
	if err != nil {
		c.failedAt = time.Now()
		c.log.Warn("password hashing worker did not start; hashing in the gateway process", "error", err)
		return nil, err
	}
	c.failedAt = time.Time{}
	c.cur = ch
	return ch, nil
}

// start runs cmd, waits for its hello and lowers its priority; onExit
// is called once the child is gone and reaped.
func start(cmd *exec.Cmd, log *slog.Logger, onExit func(*child)) (*child, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("hashworker: start: %w", err)
	}
	out := bufio.NewReader(stdout)
	got := make(chan error, 1)
	go func() {
		line, err := out.ReadBytes('\n')
		if err == nil && !bytes.Equal(line, hello) {
			err = fmt.Errorf("hashworker: unexpected greeting %q", truncate(line, 40))
		}
		got <- err
	}()
	select {
	case err = <-got:
	case <-time.After(startTimeout):
		err = errors.New("hashworker: no greeting")
	}
	if err != nil {
		_ = cmd.Process.Kill()
		// Reaped aside: a process stuck in the kernel dies only when it
		// leaves it, and the caller holds the Client's lock.
		go func() { _ = cmd.Wait() }()
		return nil, err
	}
	// Lowered once it has greeted, before it is sent any hash: lowered
	// at its start, a busy machine (the signed-in traffic of a flood)
	// left it no CPU to start its runtime in startTimeout, and every hash
	// then ran in the gateway process at full priority, the opposite of
	// what the worker is for (docs/contract.md, "Password hashing").
	if err := lowerPriority(cmd.Process.Pid); err != nil {
		// Still useful (memory, isolation), but say so.
		log.Warn("password hashing worker runs at normal priority", "error", err)
	}
	ch := &child{cmd: cmd, stdin: stdin, pending: map[uint64]chan *response{}, dead: make(chan struct{}), onExit: onExit}
	go ch.read(out)
	return ch, nil
}

// read delivers responses until the child's output ends, then fails every
// call still waiting.
func (ch *child) read(out *bufio.Reader) {
	for {
		p, err := readResponse(out)
		if err != nil {
			break
		}
		ch.mu.Lock()
		w, ok := ch.pending[p.id]
		delete(ch.pending, p.id)
		ch.mu.Unlock()
		if ok {
			w <- p
		}
	}
	_ = ch.stdin.Close()
	_ = ch.cmd.Wait()
	ch.onExit(ch)
	ch.mu.Lock()
	close(ch.dead)
	for id, w := range ch.pending {
		delete(ch.pending, id)
		w <- nil
	}
	ch.mu.Unlock()
}

// call sends q and waits for its answer, at most bound: past it the
// error is errWorkerHung (with ctx's when ctx ended first), and the
// caller kills the worker.
func (ch *child) call(ctx context.Context, q *request, bound time.Duration) ([]byte, error) {
	w := make(chan *response, 1)
	ch.mu.Lock()
	if ch.hung {
		ch.mu.Unlock()
		return nil, errWorkerHung
	}
	select {
	case <-ch.dead:
		ch.mu.Unlock()
		return nil, errWorkerGone
	default:
	}
	ch.pending[q.id] = w
	ch.mu.Unlock()
	frame := appendRequest(nil, q)
	ch.wmu.Lock()
	_, err := ch.stdin.Write(frame)
	ch.wmu.Unlock()
	clear(frame) // the password
	if err != nil {
		ch.forget(q.id)
		return nil, fmt.Errorf("%w: %w", errWorkerGone, err)
	}
	hang := time.NewTimer(bound)
	defer hang.Stop()
	var p *response
	select {
	case p = <-w:
	case <-hang.C:
		return nil, errWorkerHung
	case <-ctx.Done():
		// The worker computes the hash all the same: the call returns
		// once it is done, so that the caller's hashing slot
		// (hashing.max_concurrent, docs/contract.md "Password hashing")
		// covers it, as it covers a hash computed in process; at most
		// abandonWait, so that a worker that hangs holds no slot for
		// good, and no longer than bound, past which it is hung.
		t := time.NewTimer(abandonWait)
		defer t.Stop()
		select {
		case <-w:
		case <-t.C:
			ch.forget(q.id)
		case <-hang.C:
			return nil, fmt.Errorf("%w (%w)", ctx.Err(), errWorkerHung)
		}
		return nil, ctx.Err()
	}
	if p == nil {
		ch.mu.Lock()
		hung := ch.hung
		ch.mu.Unlock()
		if hung {
			return nil, errWorkerHung
		}
		return nil, errWorkerGone
	}
	if !p.ok {
		return nil, errors.New("hashworker: request refused")
	}
	return p.key, nil
}

func (ch *child) forget(id uint64) {
	ch.mu.Lock()
	delete(ch.pending, id)
	ch.mu.Unlock()
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
