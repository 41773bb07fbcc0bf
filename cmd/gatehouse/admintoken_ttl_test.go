package main

import (
	"testing"
	"time"
)

// TestTokenLifetimeIsBounded: an admin token's --ttl is taken from one
// second to ten years, and anything else is refused, never wrapped
// around. Before, 213504d overflowed a time.Duration to about 25
// minutes, and the token expired soon after it was handed out.
func TestTokenLifetimeIsBounded(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration // 0: refused
	}{
		{"90d", 90 * 24 * time.Hour},
		{"12h", 12 * time.Hour},
		{"3650d", 3650 * 24 * time.Hour},
		{"3651d", 0},
		{"213504d", 0},
		{"99999999999999d", 0},
		{"-99999999999999d", 0},
		{"87601h", 0},
		{"0d", 0},
		{"-1h", 0},
		{"soon", 0},
	} {
		got, err := parseLifetime(tc.in)
		if tc.want == 0 {
			if err == nil {
				t.Errorf("--ttl %s = %v, want refused", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("--ttl %s = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}
