package filesettle_test

import (
	"crypto/sha256"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/filesettle"
)

// TestPollTakesAChangeOnceItReadsTheSameTwice: a save caught half done
// by one poll, and whole by the next, is taken only at the poll after
// that, if the file still reads the same; content back to what was
// taken is no change.
func TestPollTakesAChangeOnceItReadsTheSameTwice(t *testing.T) {
	sum := func(s string) filesettle.Sum { return sha256.Sum256([]byte(s)) }
	var s filesettle.Settle
	s.Take(sum("old"))
	for i, step := range []struct {
		read string
		take bool
	}{
		{"old", false},
		{"new, half", false}, // caught half written
		{"new, whole", false},
		{"new, whole", true}, // the same twice: taken
		{"new, whole", false},
		{"old", false}, // a change back is a change too
		{"new, whole", false},
		{"new, whole", false}, // back before it settled: nothing to take
		{"old", false},
		{"old", true},
	} {
		if got := s.Poll(sum(step.read)); got != step.take {
			t.Fatalf("poll %d read %q: took %v, want %v", i, step.read, got, step.take)
		}
		if step.take && !s.Taken(sum(step.read)) {
			t.Fatalf("poll %d: %q taken but not recorded", i, step.read)
		}
	}
}
