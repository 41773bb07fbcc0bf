package auth

import "time"

// Clock tells the time. Services take one so tests can move time forward.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

var _ Clock = SystemClock{}
