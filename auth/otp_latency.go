package auth

import (
	"context"
	mrand "math/rand/v2"
	"sync/atomic"
	"time"
)

// latency is a moving average of how long provider calls take.
type latency struct{ avg atomic.Int64 } // nanoseconds

// maxDecoyWait bounds how long a decoy imitates a provider call.
const maxDecoyWait = 3 * time.Second

func (l *latency) observe(d time.Duration) {
	old := l.avg.Load()
	if old == 0 {
		l.avg.Store(int64(d))
		return
	}
	l.avg.Store((7*old + int64(d)) / 8)
}

// wait sleeps about as long as the average call (±25%), or until ctx ends.
func (l *latency) wait(ctx context.Context) { l.waitFrom(ctx, time.Time{}) }

// waitFrom is wait for a call that began at began (zero: now), less the
// time already gone since.
func (l *latency) waitFrom(ctx context.Context, began time.Time) {
	avg := time.Duration(l.avg.Load())
	if avg <= 0 {
		return
	}
	d := min(avg*3/4+time.Duration(mrand.Int64N(int64(avg)/2+1)), maxDecoyWait) //nolint:gosec // jitter around a public average, not a secret
	if !began.IsZero() {
		d -= time.Since(began)
	}
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
