package storetest

import (
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// Clock is a fake auth.Clock that only moves when told to. It is safe for
// concurrent use. The zero value reads as the zero time; use NewClock for a
// realistic instant.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

var _ auth.Clock = (*Clock)(nil)

// NewClock returns a clock that reads start until it is advanced.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start}
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (backward if d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
