package gateway

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/gatehouse-auth/gatehouse/auth"
)

// TestClientGoneIsNotAServerError: an error that is the request's context
// ending (the client hung up during a password hash, or while a store
// call it started was under way) is classified 499 client_gone, not a
// 5xx blamed on the store or on us.
func TestClientGoneIsNotAServerError(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("login: password check: password hashing: %w", context.Canceled),
		fmt.Errorf("redisstore: incr: %w: %w", auth.ErrStoreUnavailable, context.Canceled),
	} {
		if e := classify(err); e.Status != statusClientGone || e.Code != "client_gone" {
			t.Errorf("classify(%v) = %d %s, want 499 client_gone", err, e.Status, e.Code)
		}
	}
	// The store's own timeout is still the store's.
	err := fmt.Errorf("redisstore: get: %w: %w", auth.ErrStoreUnavailable, context.DeadlineExceeded)
	if e := classify(err); e.Code != "store_unavailable" {
		t.Errorf("classify(%v) = %s, want store_unavailable", err, e.Code)
	}
	if e := classify(errors.New("boom")); e.Status != 500 {
		t.Errorf("an unknown error is %d, want 500", e.Status)
	}
}
