package redisstore

import (
	"strconv"
	"testing"
	"time"
)

// TestJournalKeepsUpWithABusyGateway: a journaled write costs the same
// on a busy gateway's full journal as on an empty one. Every sign-in
// step journals a few writes (its session, the old id's delete with its
// tombstone, a spent code) and every authenticator-app sign-in a claimed
// step (a write-if-absent, which first drops the key's older ones); once
// a window's writes filled the journal (store.redis.replay_window,
// DefaultJournalEntries), each write shifted every entry kept, or read
// them all, under the journal's one lock: about a millisecond each at
// 200,000 entries, so a gateway journaling a thousand writes a second
// spent every second of a core there and queued every sign-in behind it
// (docs/contract.md, "Failover durability").
func TestJournalKeepsUpWithABusyGateway(t *testing.T) {
	tests := []struct {
		name string
		op   uint8
	}{
		{"a session deleted", opDelSession},
		{"an app's step claimed", opSetIfAbsent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := time.Unix(1_700_000_000, 0)
			j := NewJournal(2*time.Minute, 0, nil)
			j.now = func() time.Time { return clock }
			step := 2 * time.Minute / DefaultJournalEntries
			keyOf := func(i int) string {
				if tc.op == opSetIfAbsent {
					return "p:totp:alice:n:" + strconv.Itoa(i)
				}
				return "p:s:" + strconv.Itoa(i)
			}
			write := func(i int) {
				clock = clock.Add(step)
				if tc.op == opSetIfAbsent {
					j.drop(keyOf(i)) // as setBanJournaled does
				}
				j.add(entry{op: tc.op, key: keyOf(i), deadline: clock.Add(time.Hour)})
			}
			for i := range DefaultJournalEntries {
				write(i)
			}
			const more = 5_000
			start := time.Now()
			for i := range more {
				write(DefaultJournalEntries + i)
			}
			// 5,000 writes took over 5 s before (about 1 ms each); a few
			// milliseconds now. The bound leaves room for a slow machine.
			if took := time.Since(start); took > time.Second {
				t.Errorf("%d journaled writes on a full journal took %v, want well under a second", more, took)
			}
			if n := len(j.entries); n > DefaultJournalEntries {
				t.Errorf("the journal keeps %d entries, want at most %d", n, DefaultJournalEntries)
			}
			entries, _ := j.since(0)
			if len(entries) == 0 || entries[len(entries)-1].key != keyOf(DefaultJournalEntries+more-1) {
				t.Errorf("the newest entry a catch-up replays is not the last write journaled")
			}
		})
	}
}
