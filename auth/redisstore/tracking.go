package redisstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// tracker keeps one connection to Redis in RESP3 with
// `CLIENT TRACKING ON BCAST PREFIX …` for the cached prefixes: Redis then
// pushes the name of every key under them that anything changes (a write
// from any client, an expiry, an eviction) down that connection, and the
// tracker drops it from the local cache. It also pings Redis every
// heartbeat; the cache serves hits only while a ping sent less than
// window ago (half the op timeout) has been answered, so a Redis that
// hangs or dies stops cache hits within half the op timeout, and checks
// then fail closed as they do uncached.
type tracker struct {
	dial      func(ctx context.Context) (net.Conn, error)
	hello     []string // HELLO 3 [AUTH user pass] SETNAME …
	prefixes  []string // full Redis key prefixes tracked
	strip     string   // the store's key prefix, removed from pushed keys
	cache     *localCache
	opTimeout time.Duration
	window    time.Duration // how long an answered ping vouches for the cache
	heartbeat time.Duration
	log       *slog.Logger

	// okUntil is the monotonic instant (monoNow) until which the cache may
	// serve: the send time of the last answered ping plus window. Zero
	// while tracking is down.
	okUntil atomic.Int64
	// tracking reports whether the tracking connection is up (metrics).
	tracking atomic.Bool

	stop   context.CancelFunc
	done   chan struct{}
	closed sync.Once
}

// healthy reports whether the cache may serve now.
func (t *tracker) healthy() bool { return monoNow() < t.okUntil.Load() }

// run keeps a tracking connection up until ctx ends, reconnecting with a
// growing pause after each loss. Every loss and every (re)start flushes
// the cache: invalidations may have been missed.
func (t *tracker) run(ctx context.Context) {
	defer close(t.done)
	backoff := 50 * time.Millisecond
	for {
		start := time.Now()
		err := t.session(ctx)
		t.down()
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) > 10*time.Second {
			backoff = 50 * time.Millisecond // it had been working
		}
		wait := backoff
		if errors.Is(err, errTrackingRefused) {
			// Not a network blip: ask again now and then, quietly.
			wait = refusedRetry
			t.log.Error("redis client cache: off, reads go to redis", "error", err, "retry_in", wait.String())
		} else {
			t.log.Warn("redis client cache: tracking connection lost; reads go to redis until it is back", "error", err, "retry_in", wait.String())
			backoff = min(2*backoff, 2*time.Second)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// down marks tracking lost: no hit is served and nothing fetched so far
// may be inserted.
func (t *tracker) down() {
	t.okUntil.Store(0)
	t.tracking.Store(false)
	t.cache.flush()
}

// refusedRetry is how long the tracker waits before asking again a Redis
// that refused tracking.
const refusedRetry = 30 * time.Second

// errTrackingRefused is Redis refusing HELLO 3 or CLIENT TRACKING (too old,
// or the ACL user may not): the cache stays off.
var errTrackingRefused = errors.New("redis refused client tracking")

// session runs one tracking connection until it fails or ctx ends.
func (t *tracker) session(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, t.opTimeout+2*time.Second)
	conn, err := t.dial(dctx)
	cancel()
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	r := bufio.NewReaderSize(conn, 4096)

	// Handshake, each step answered before the next.
	track := append([]string{"CLIENT", "TRACKING", "ON", "BCAST"}, prefixArgs(t.prefixes)...)
	for _, cmd := range [][]string{t.hello, track} {
		_ = conn.SetDeadline(time.Now().Add(t.opTimeout))
		if _, err := conn.Write(appendCommand(nil, cmd...)); err != nil {
			return err
		}
		v, err := readFrame(r)
		if err != nil {
			return err
		}
		if err := v.err(); err != nil {
			return fmt.Errorf("%w: %s: %w", errTrackingRefused, cmd[0], err)
		}
	}
	_ = conn.SetDeadline(time.Time{})
	// Anything cached before this point was not covered by this
	// connection's tracking.
	t.cache.flush()
	t.tracking.Store(true)
	t.okUntil.Store(monoNow() + int64(t.window))
	t.log.Info("redis client cache: tracking on", "prefixes", strings.Join(t.prefixes, " "))

	// The pinger writes; this goroutine reads. Pings are answered in
	// order, so each PONG settles the oldest ping outstanding.
	sent := make(chan int64, 64)
	errc := make(chan error, 1)
	pctx, pcancel := context.WithCancel(ctx)
	defer pcancel()
	go t.ping(pctx, conn, sent, errc)
	for {
		_ = conn.SetReadDeadline(time.Now().Add(t.heartbeat + t.opTimeout))
		v, err := readFrame(r)
		if err != nil {
			return err
		}
		if keys, all, ok := invalidation(v); ok {
			t.invalidate(keys, all)
			continue
		}
		if err := v.err(); err != nil {
			return err
		}
		if v.kind == respSimple && v.str == "PONG" {
			select {
			case at := <-sent:
				if until := at + int64(t.window); until > t.okUntil.Load() {
					t.okUntil.Store(until)
				}
			default:
				return fmt.Errorf("%w: PONG without a PING", errProtocol)
			}
		}
		select {
		case err := <-errc:
			return err
		default:
		}
	}
}

// ping sends PING every heartbeat, recording when each left.
func (t *tracker) ping(ctx context.Context, conn net.Conn, sent chan<- int64, errc chan<- error) {
	cmd := appendCommand(nil, "PING")
	tick := time.NewTicker(t.heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		select {
		case sent <- monoNow():
		default:
			// 64 pings unanswered: the read deadline ends the session.
			continue
		}
		_ = conn.SetWriteDeadline(time.Now().Add(t.opTimeout))
		if _, err := conn.Write(cmd); err != nil {
			errc <- err
			_ = conn.Close()
			return
		}
	}
}

// invalidate applies one push.
func (t *tracker) invalidate(keys []string, all bool) {
	if all {
		t.cache.flush()
		return
	}
	for _, k := range keys {
		if rest, ok := strings.CutPrefix(k, t.strip); ok {
			t.cache.invalidate(rest)
		}
	}
}

// close stops the tracker and waits for it.
func (t *tracker) close() {
	t.closed.Do(func() {
		t.stop()
		<-t.done
	})
}

func prefixArgs(prefixes []string) []string {
	out := make([]string, 0, 2*len(prefixes))
	for _, p := range prefixes {
		out = append(out, "PREFIX", p)
	}
	return out
}

// helloArgs is the HELLO 3 command for the given credentials.
func helloArgs(username, password string) []string {
	args := []string{"HELLO", "3"}
	if password != "" {
		if username == "" {
			username = "default"
		}
		args = append(args, "AUTH", username, password)
	}
	return append(args, "SETNAME", "gatehouse-tracking")
}
