package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// stopSignals returns a context cancelled at the first SIGTERM or
// SIGINT, which starts serve's graceful shutdown, carrying (stopNow) a
// context cancelled at the second, which cuts the shutdown's grace
// short: what is still open is closed and the process exits at once
// (docs/contract.md, "Graceful shutdown"). release stops listening for
// the signals.
func stopSignals() (ctx context.Context, release func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	first, stopFirst := context.WithCancel(context.Background())
	now, stopNowCtx := context.WithCancel(context.Background())
	go func() {
		for _, stop := range []context.CancelFunc{stopFirst, stopNowCtx} {
			select {
			case <-sigs:
				stop()
			case <-now.Done():
				return
			}
		}
	}()
	return withStopNow(first, now), func() {
		signal.Stop(sigs)
		stopFirst()
		stopNowCtx()
	}
}

// stopNowKey is the context key of withStopNow.
type stopNowKey struct{}

// withStopNow returns ctx carrying now, the context whose end cuts a
// graceful shutdown short.
func withStopNow(ctx, now context.Context) context.Context {
	return context.WithValue(ctx, stopNowKey{}, now)
}

// stopNow returns the context whose end cuts ctx's graceful shutdown
// short; one that never ends when ctx carries none.
func stopNow(ctx context.Context) context.Context {
	if now, ok := ctx.Value(stopNowKey{}).(context.Context); ok {
		return now
	}
	return context.Background()
}
