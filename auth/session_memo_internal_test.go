package auth

import (
	"runtime"
	"strconv"
	"testing"
	"time"
)

// liveHeap is the live heap after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestRefreshMemoGivesBackABurst: a burst of sessions checked once (a
// storm of sign-ins, a crawler given a fresh session per request) grows
// the idle-refresh memo; once their refreshes are due and the memo is
// swept, the memory comes back, with the sessions still in use kept.
// Before, the memo's map kept the room the burst grew it to for as long
// as the process ran (a Go map never shrinks), about 10 MB per 300,000
// sessions, though it held a handful of entries.
func TestRefreshMemoGivesBackABurst(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := NewSessions(nil, SessionConfig{IdleTimeout: time.Hour, AbsoluteTimeout: 12 * time.Hour}, nil, nil)
	base := liveHeap()
	const burst = 300_000
	for i := range burst {
		m.markRefreshed("s:burst"+strconv.Itoa(i), start)
	}
	peak := liveHeap()
	// Ordinary traffic a refresh interval later: a few sessions in use,
	// whose checks sweep the memo.
	later := start.Add(time.Hour/10 + time.Second)
	for i := range 10 {
		if !m.refreshDue("s:alive"+strconv.Itoa(i), later) {
			t.Fatalf("a session never refreshed is not due")
		}
	}
	after := liveHeap()
	m.mu.Lock()
	held := len(m.refreshed)
	m.mu.Unlock()
	if held != 10 {
		t.Errorf("after the sweep the memo holds %d entries, want the 10 sessions in use", held)
	}
	if m.refreshDue("s:alive3", later) {
		t.Error("a session in use was forgotten by the sweep: refreshed again at once")
	}
	if grown, burstCost := int64(after)-int64(base), int64(peak)-int64(base); grown > burstCost/4 {
		t.Errorf("after a burst of %d sessions (%d KB in the memo) was swept, the memo still holds %d KB", burst, burstCost>>10, grown>>10)
	}
}
