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

// minSendWait is the least time a decoy's send, and a hidden one
// (OTP.sendHidden), takes to answer: less than any provider over a
// network takes, and time enough for one that answers at once (a local
// service, the console) to have answered when the answer is given.
const minSendWait = 50 * time.Millisecond

func (l *latency) observe(d time.Duration) {
	old := l.avg.Load()
	if old == 0 {
		l.avg.Store(int64(d))
		return
	}
	l.avg.Store((7*old + int64(d)) / 8)
}

// learnFrom times, into l, the provider call for ch that began at
// start, unless ch is hidden (Challenge.Hidden): a stranger causes those
// calls, for an account's number only, and a decoy never makes one, so
// a decoy whose time moved after a stranger's probe (a slow provider's
// call ending) would tell that the number has an account. Decoys learn
// the provider's time from the codes after a proof, a known device's
// and a phone change's (docs/contract.md, "SMS delivery").
func learnFrom(ch *Challenge, l *latency, start time.Time) {
	if !ch.Hidden {
		l.observe(time.Since(start))
	}
}

// draw is how long one imitation of a call takes: about as long as the
// average call (±25%), at most maxDecoyWait; 0 before any call was
// timed.
func (l *latency) draw() time.Duration {
	avg := time.Duration(l.avg.Load())
	if avg <= 0 {
		return 0
	}
	return min(avg*3/4+time.Duration(mrand.Int64N(int64(avg)/2+1)), maxDecoyWait) //nolint:gosec // jitter around a public average, not a secret
}

// wait sleeps about as long as the average call (draw), or until ctx
// ends.
func (l *latency) wait(ctx context.Context) { waitUntil(ctx, time.Now().Add(l.draw())) }

// waitUntil sleeps until due, or until ctx ends.
func waitUntil(ctx context.Context, due time.Time) {
	d := time.Until(due)
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
