//go:build !linux

package gateway_test

import "testing"

// blackhole needs Linux's backlog behaviour.
func blackhole(t *testing.T) string {
	t.Helper()
	t.Skip("blackholed upstreams are simulated on Linux only")
	return ""
}
