package mapshrink_test

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/mapshrink"
)

// TestShrunkRebuildsOnlyBelowAQuarterOfABigPeak: a map is copied to its
// size once its keys fell below a quarter of a peak of at least Min,
// keeping every key, and left alone otherwise.
func TestShrunkRebuildsOnlyBelowAQuarterOfABigPeak(t *testing.T) {
	for _, tt := range []struct {
		name        string
		keys, peak  int
		wantRebuilt bool
	}{
		{"small peak", 10, mapshrink.Min - 1, false},
		{"a quarter of the peak", mapshrink.Min / 4, mapshrink.Min, false},
		{"under a quarter", mapshrink.Min/4 - 1, mapshrink.Min, true},
		{"all but one gone", 1, 4 * mapshrink.Min, true},
		{"half the peak", 2 * mapshrink.Min, 4 * mapshrink.Min, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := make(map[int]int, tt.keys)
			m[-1] = -1 // a key the copy must keep
			for i := range tt.keys - 1 {
				m[i] = i
			}
			got, peak := mapshrink.Shrunk(m, tt.peak)
			m[-2] = -2 // written to the old map only: seen in got if got is m
			_, same := got[-2]
			if rebuilt := !same; rebuilt != tt.wantRebuilt {
				t.Errorf("rebuilt = %v, want %v", rebuilt, tt.wantRebuilt)
			}
			if got[-1] != -1 || len(got) < tt.keys {
				t.Errorf("the map lost keys: %d left of %d", len(got), tt.keys)
			}
			if tt.wantRebuilt && peak != tt.keys {
				t.Errorf("peak after a rebuild = %d, want the map's size %d", peak, tt.keys)
			}
			if !tt.wantRebuilt && peak != tt.peak {
				t.Errorf("peak = %d, want it unchanged (%d)", peak, tt.peak)
			}
		})
	}
}
