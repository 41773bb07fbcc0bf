package redisstore

import "testing"

// TestAuditOrderAcrossStreams: the trail's order over its two streams is
// total: by stream ID, and at one ID (each stream numbers its own
// entries) the history's record after the attempt's; a cursor at either
// ends each stream's read where that order says.
func TestAuditOrderAcrossStreams(t *testing.T) {
	tests := []struct {
		a, b  string
		after bool
	}{
		{"1700000000001-0", "1700000000000-9", true},
		{"a1700000000001-0", "1700000000000-9", true},
		{"1700000000000-1", "a1700000000000-0", true},
		{"a1700000000000-0", "1700000000000-0", false},
		{"1700000000000-0", "a1700000000000-0", true},
		{"1700000000000-0", "1700000000000-0", false},
		{"not an id", "1700000000000-0", false},
		{"1700000000000-0", "b17-0", false},
	}
	for _, tt := range tests {
		if got := AuditIDAfter(tt.a, tt.b); got != tt.after {
			t.Errorf("AuditIDAfter(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.after)
		}
	}
	ends := []struct {
		cursor            string
		history, attempts string
	}{
		{"1700000000000-3", "(1700000000000-3", "1700000000000-3"},
		{"a1700000000000-3", "(1700000000000-3", "(1700000000000-3"},
	}
	for _, e := range ends {
		p, ok := parseAuditID(e.cursor)
		if !ok {
			t.Fatalf("cursor %q refused", e.cursor)
		}
		if h, a := p.endFor(false), p.endFor(true); h != e.history || a != e.attempts {
			t.Errorf("cursor %q ends the history at %q, the attempts at %q; want %q, %q", e.cursor, h, a, e.history, e.attempts)
		}
	}
	for _, bad := range []string{"", "a", "a-1", "1700000000000", "x1700000000000-0", "1700000000000-0a"} {
		if _, ok := parseAuditID(bad); ok {
			t.Errorf("%q read as a record ID", bad)
		}
	}
}
